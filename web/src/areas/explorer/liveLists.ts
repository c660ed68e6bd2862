// liveLists.ts — the home page's latest blocks and txs: the first page from
// the API merged with what GET /events streams in, newest first, without
// duplicates (an event may repeat a block the page already fetched, and a
// reconnecting EventSource may deliver one twice), capped in length.
import type { BlockHeader, TxEvent } from './types';

export const LATEST_BLOCKS = 15;
export const LATEST_TXS = 15;

/** The SSE "block" payload, when it is one. */
export function asBlockHeader(d: unknown): BlockHeader | null {
  if (!d || typeof d !== 'object') return null;
  const o = d as Record<string, unknown>;
  return typeof o.height === 'number' && typeof o.hash === 'string' && typeof o.time === 'number'
    ? (o as unknown as BlockHeader)
    : null;
}

/** The SSE "tx" payload, when it is one. */
export function asTxEvent(d: unknown): TxEvent | null {
  if (!d || typeof d !== 'object') return null;
  const o = d as Record<string, unknown>;
  return typeof o.hash === 'string' && typeof o.height === 'number' && typeof o.tx_type === 'string'
    ? (o as unknown as TxEvent)
    : null;
}

/** Blocks newest first, one per height (the later copy wins), at most `cap`. */
export function mergeBlocks(list: readonly BlockHeader[], incoming: readonly BlockHeader[], cap = LATEST_BLOCKS): BlockHeader[] {
  const byHeight = new Map<number, BlockHeader>();
  for (const b of list) byHeight.set(b.height, b);
  for (const b of incoming) byHeight.set(b.height, b);
  return [...byHeight.values()].sort((a, b) => b.height - a.height).slice(0, cap);
}

/** Txs newest first (height, then index within the block), one per hash, at most `cap`. */
export function mergeTxs(list: readonly TxEvent[], incoming: readonly TxEvent[], cap = LATEST_TXS): TxEvent[] {
  const byHash = new Map<string, TxEvent>();
  for (const t of list) byHash.set(t.hash, t);
  for (const t of incoming) byHash.set(t.hash, t);
  return [...byHash.values()]
    .sort((a, b) => b.height - a.height || b.index - a.index)
    .slice(0, cap);
}
