import { describe, expect, it } from 'vitest';
import { queueRows, reasonError } from './queue';
import type { Withdrawal } from '../types';

const w = (id: string, created_ms: number, status: Withdrawal['status'] = 'pending'): Withdrawal => ({
  id, user_id: 1, amount: 5, amount_cpc: '0.000000005', method: 'card', destination: '4242', status,
  tx_hash: null, reason: null, created_ms, decided_ms: null, decided_by: null,
});

describe('withdrawal queue rows', () => {
  it('keeps rows decided here in the pending view, in creation order', () => {
    const approved = { ...w('b', 2, 'approved'), tx_hash: 'ab'.repeat(32) };
    const rows = queueRows([w('a', 1), w('c', 3)], new Map([['b', approved]]), 'pending');
    expect(rows.map((r) => [r.id, r.status])).toEqual([['a', 'pending'], ['b', 'approved'], ['c', 'pending']]);
  });

  it('overrides a fetched row by a decision and adds nothing to other views', () => {
    const rejected = { ...w('a', 1, 'rejected'), reason: 'no' };
    expect(queueRows([w('a', 1)], new Map([['a', rejected]]), 'pending')[0].status).toBe('rejected');
    expect(queueRows([], new Map([['a', rejected]]), 'approved')).toEqual([]);
  });

  it('checks the reason as the API does', () => {
    expect(reasonError('  ')).toMatch(/say why/);
    expect(reasonError('é'.repeat(251))).toBe('at most 500 bytes');
    expect(reasonError('é'.repeat(250))).toBeNull();
  });
});
