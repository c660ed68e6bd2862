// queue.ts — the rows the withdrawal queue shows: the node's page, with the
// rows decided here since the page opened kept in place (status, tx hash,
// reason), so an operator sees the result of each decision where it was made.
import type { Withdrawal } from '../types';

export function queueRows(fetched: readonly Withdrawal[], decided: ReadonlyMap<string, Withdrawal>, view: Withdrawal['status']): Withdrawal[] {
  const seen = new Set<string>();
  const rows = fetched.map((w) => {
    seen.add(w.id);
    return decided.get(w.id) ?? w;
  });
  if (view !== 'pending') return rows;
  for (const w of decided.values()) if (!seen.has(w.id)) rows.push(w);
  return rows.sort((a, b) => a.created_ms - b.created_ms || a.id.localeCompare(b.id));
}

/** The reject reason as the API takes it: 1..500 bytes of UTF-8; an error text or null. */
export function reasonError(reason: string): string | null {
  const t = reason.trim();
  if (!t) return 'say why, for the user';
  if (new TextEncoder().encode(t).length > 500) return 'at most 500 bytes';
  return null;
}
