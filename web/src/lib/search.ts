// search.ts — where the search box sends a query: an address, a tx hash or a height.

/** The explorer page for `q`, or null when it is none of the three. */
export function searchTarget(q: string): string | null {
  const t = q.trim();
  if (!t) return null;
  if (/^[0-9]{1,15}$/.test(t)) return `/explorer/block/${t}`;
  if (/^cpc1[02-9ac-hj-np-z]{6,90}$/i.test(t)) return `/explorer/account/${t.toLowerCase()}`;
  if (/^(0x)?[0-9a-f]{64}$/i.test(t)) return `/explorer/tx/${t.replace(/^0x/i, '').toLowerCase()}`;
  return null;
}
