// notice.ts — the message one auth page leaves for the next (router state),
// e.g. "Email confirmed" on the sign-in page after verification.

export interface AuthNotice {
  notice?: string;
  email?: string;
}

export function readNotice(state: unknown): AuthNotice {
  if (!state || typeof state !== 'object') return {};
  const s = state as Record<string, unknown>;
  return {
    notice: typeof s.notice === 'string' ? s.notice : undefined,
    email: typeof s.email === 'string' ? s.email : undefined,
  };
}
