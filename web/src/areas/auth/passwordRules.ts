// passwordRules.ts — the node's password rules (cpc_auth_password_problem in
// src/platform/auth_tokens.c), checked as the user types. The node checks
// again and its answer (400 weak_password) is what counts.

export interface PasswordRule {
  label: string;
  ok: boolean;
}

const encoder = new TextEncoder();

/** Every rule with whether `pw` meets it, for a checklist beside the field. */
export function passwordRules(pw: string): PasswordRule[] {
  const bytes = encoder.encode(pw);
  let letter = false;
  let digit = false;
  for (const b of bytes) {
    if ((b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b >= 0x80) letter = true;
    if (b >= 0x30 && b <= 0x39) digit = true;
  }
  return [
    { label: 'At least 8 characters', ok: bytes.length >= 8 && bytes.length <= 1024 },
    { label: 'Letters and digits', ok: letter && digit },
  ];
}

/** The node's message for the first rule `pw` breaks, or null when it passes. */
export function passwordProblem(pw: string): string | null {
  const bytes = encoder.encode(pw);
  if (bytes.length < 8) return 'password must be at least 8 characters';
  if (bytes.length > 1024) return 'password must be at most 1024 bytes';
  if (pw.includes('\u0000')) return 'password must not contain NUL characters';
  if (!passwordRules(pw)[1].ok) return 'password must contain both letters and digits';
  return null;
}

/** aria-describedby for a password TextField with `id`: its helper text (when
 * shown, MUI names it `${id}-helper-text`) and the rules list. */
export function describedBy(id: string, hasHelper: boolean, rulesId: string): string {
  return hasHelper ? `${id}-helper-text ${rulesId}` : rulesId;
}
