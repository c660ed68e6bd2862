// searchExplain.ts — for the search page: what a query looks like when the
// top bar's search (lib/search.ts) could not place it, and why nothing matched.

export type QueryKind =
  | { kind: 'empty' }
  | { kind: 'placed'; to: string }
  | { kind: 'task'; id: string }
  | { kind: 'unplaced'; reason: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const BECH32_CHARS = /^[02-9ac-hj-np-z]*$/;

/** Classify q; `placed` when searchTarget would send it to a page already. */
export function classifyQuery(q: string, placedAt: (q: string) => string | null): QueryKind {
  const t = q.trim();
  if (!t) return { kind: 'empty' };
  const to = placedAt(t);
  if (to) return { kind: 'placed', to };
  if (UUID.test(t)) return { kind: 'task', id: t.toLowerCase() };
  const lower = t.toLowerCase();
  if (lower.startsWith('cpc1')) {
    const data = lower.slice(4);
    if (!BECH32_CHARS.test(data)) {
      const bad = [...new Set([...data].filter((c) => !/[02-9ac-hj-np-z]/.test(c)))].join(' ');
      return { kind: 'unplaced', reason: `It starts like an address (cpc1…) but holds characters an address never has: ${bad}. Addresses use digits and lower-case letters except 1, b, i and o after "cpc1".` };
    }
    return { kind: 'unplaced', reason: `It starts like an address (cpc1…) but is ${t.length} characters long; addresses are about 43.` };
  }
  const hex = lower.replace(/^0x/, '');
  if (/^[0-9a-f]+$/.test(hex) && /[a-f]/.test(hex)) {
    return { kind: 'unplaced', reason: `It is ${hex.length} hexadecimal characters; a tx hash, block hash or job id has exactly 64.` };
  }
  if (/^[0-9]+$/.test(t)) {
    return { kind: 'unplaced', reason: `It is a number of ${t.length} digits, too long for a block height.` };
  }
  if (/^-?[0-9]+([.,][0-9]+)?$/.test(t)) {
    return { kind: 'unplaced', reason: 'It is not a whole, non-negative number, so it is no block height.' };
  }
  return { kind: 'unplaced', reason: 'It is none of: an address (cpc1…), a 64-character hash (tx, block or job), a block height, or a task id (UUID).' };
}
