// sshKey.ts — the rent form's check of an SSH public key, the same rule
// POST /rentals applies (src/market/rental_body.c, cpc_rental_ssh_key_ok), so
// a bad key is shown next to the field before anything is sent.

export const SSH_KEY_MAX = 8192;
const KINDS = ['ssh-ed25519', 'ssh-rsa', 'ecdsa-sha2-nistp256'] as const;

/** The key as it will be sent: surrounding white space (a pasted file's newline) removed. */
export function normaliseSshKey(text: string): string {
  return text.trim();
}

/** Why `text` is not a public key the API accepts, or null when it is one. */
export function sshKeyProblem(text: string): string | null {
  const k = normaliseSshKey(text);
  if (!k) return 'paste your SSH public key (the line in ~/.ssh/id_ed25519.pub)';
  if (/PRIVATE KEY/.test(k)) return 'this is a private key: paste the public one (the .pub file), and keep the private key to yourself';
  if (k.length > SSH_KEY_MAX) return `at most ${SSH_KEY_MAX} characters`;
  if (/[\r\n]/.test(k)) return 'one key on one line';
  const sp = k.indexOf(' ');
  const kind = sp < 0 ? k : k.slice(0, sp);
  if (!(KINDS as readonly string[]).includes(kind)) return `a key starts with ${KINDS.join(', ')} and a space`;
  const m = /^([A-Za-z0-9+/]*)(={0,2})(?: ([\s\S]*))?$/.exec(k.slice(sp + 1));
  if (!m || m[1].length < 16 || (m[1].length + m[2].length) % 4 !== 0) return 'the key data after the type is not complete base64';
  if (m[3] !== undefined && !/^[\x20-\x7e]*$/.test(m[3])) return 'the comment after the key must be printable ASCII';
  return null;
}
