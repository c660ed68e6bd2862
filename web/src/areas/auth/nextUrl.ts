// nextUrl.ts — where to go after signing in: the ?next= the sign-in page was
// given (only a same-origin relative path), else a home page for the roles.
import type { Role } from '../../api/session';

const PROBE_ORIGIN = 'https://next.invalid';

/** Pages that make no sense as a destination after signing in (loops). */
const AUTH_PAGES = ['/signin', '/signup', '/verify-email', '/forgot-password', '/reset-password'];

/**
 * The path ?next= names, or null when it is not a same-origin relative path.
 * Accepted: "/…" but not "//…" or "/\…" (browsers read both as another host),
 * no control characters or backslashes, at most 2048 characters, and not one
 * of the sign-in pages themselves. The answer is re-serialised from a URL
 * parse, so what is returned is exactly what the browser would open.
 */
export function safeNext(raw: string | null | undefined): string | null {
  if (!raw || raw.length > 2048) return null;
  if (raw[0] !== '/' || raw[1] === '/' || raw[1] === '\\') return null;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(raw)) return null;
  let u: URL;
  try {
    u = new URL(raw, PROBE_ORIGIN);
  } catch {
    return null;
  }
  if (u.origin !== PROBE_ORIGIN) return null;
  if (AUTH_PAGES.some((p) => u.pathname === p || u.pathname.startsWith(`${p}/`))) return null;
  return u.pathname + u.search + u.hash;
}

/** A sensible first page for an account: admin, then provider, then customer. */
export function homeFor(roles: readonly Role[] | undefined): string {
  if (!roles) return '/';
  if (roles.includes('admin')) return '/console/fleet';
  if (roles.includes('provider')) return '/cabinet/servers';
  if (roles.includes('customer')) return '/gpus';
  return '/';
}

/** Where the sign-in page sends a user once /me is known. */
export function afterSignIn(next: string | null | undefined, roles: readonly Role[] | undefined): string {
  return safeNext(next) ?? homeFor(roles);
}
