import { describe, expect, it } from 'vitest';
import { asBlockHeader, asTxEvent, mergeBlocks, mergeTxs } from './liveLists';
import type { BlockHeader, TxEvent } from './types';

function block(height: number, hash = `h${height}`): BlockHeader {
  return {
    chain_id: 'c', height, time: 1_700_000_000_000 + height * 1000, hash, prev_hash: '', tx_root: '', compute_root: '',
    state_root: '', proposer: 'cpc1x', proposer_pubkey: '', signature: '', n_txs: 0,
  };
}

function tx(hash: string, height: number, index = 0): TxEvent {
  return { hash, height, index, status: 'success', tx_type: 'TRANSFER' };
}

describe('mergeBlocks', () => {
  it('puts a streamed block on top of the fetched page', () => {
    const page = [block(3), block(2), block(1)];
    expect(mergeBlocks(page, [block(4)]).map((b) => b.height)).toEqual([4, 3, 2, 1]);
  });

  it('keeps one entry per height when an event repeats a fetched block', () => {
    const out = mergeBlocks([block(5), block(4)], [block(5), block(5)]);
    expect(out.map((b) => b.height)).toEqual([5, 4]);
  });

  it('orders events that arrive out of order, and events before the first page', () => {
    const early = mergeBlocks([], [block(10), block(8)]);
    const out = mergeBlocks(early, [block(9), block(7), block(6)]);
    expect(out.map((b) => b.height)).toEqual([10, 9, 8, 7, 6]);
  });

  it('caps the list, dropping the oldest', () => {
    let list: BlockHeader[] = [];
    for (let h = 1; h <= 40; h++) list = mergeBlocks(list, [block(h)], 15);
    expect(list).toHaveLength(15);
    expect(list[0].height).toBe(40);
    expect(list[14].height).toBe(26);
  });

  it('lets the later copy of a height win', () => {
    expect(mergeBlocks([block(3, 'old')], [block(3, 'new')])[0].hash).toBe('new');
  });
});

describe('mergeTxs', () => {
  it('dedupes by hash and sorts by height then index, newest first', () => {
    const out = mergeTxs([tx('a', 1, 0), tx('b', 1, 1)], [tx('c', 2, 0), tx('a', 1, 0), tx('d', 2, 1)]);
    expect(out.map((t) => t.hash)).toEqual(['d', 'c', 'b', 'a']);
  });

  it('caps the list', () => {
    const many = Array.from({ length: 30 }, (_, i) => tx(`t${i}`, i));
    const out = mergeTxs([], many, 10);
    expect(out).toHaveLength(10);
    expect(out[0].hash).toBe('t29');
  });
});

describe('SSE payload guards', () => {
  it('accepts a block header and refuses other shapes', () => {
    expect(asBlockHeader(block(1))).not.toBeNull();
    expect(asBlockHeader({ height: '1', hash: 'x', time: 1 })).toBeNull();
    expect(asBlockHeader('text')).toBeNull();
    expect(asBlockHeader(null)).toBeNull();
  });

  it('accepts a tx event as consensus_solo publishes it', () => {
    const d = JSON.parse('{"hash":"ab","height":7,"index":0,"status":"success","tx_type":"TRANSFER"}');
    expect(asTxEvent(d)).toEqual({ hash: 'ab', height: 7, index: 0, status: 'success', tx_type: 'TRANSFER' });
    expect(asTxEvent({ hash: 'ab' })).toBeNull();
  });
});
