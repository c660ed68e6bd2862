import { describe, expect, it } from 'vitest';
import { txCounterparty, txDirection, txSummary } from './txSummary';

const A = 'cpc1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq';
const B = 'cpc1zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz';

describe('txSummary', () => {
  it('reads a transfer with its amount in CPC and the recipient', () => {
    expect(txSummary({ tx_type: 'TRANSFER', payload: { to: B, amount: 1_500_000_000 } })).toBe('1.5 CPC to cpc1zzzzzz…zzzzzz');
  });

  it('marks an amount JSON could not carry exactly as approximate', () => {
    expect(txSummary({ tx_type: 'STAKE', payload: { amount: 2 ** 60 } })).toMatch(/^stake ≈ 1,152,921,504\.6\d* CPC$/);
  });

  it('reads market txs', () => {
    expect(txSummary({ tx_type: 'SUBMIT_RESULT', payload: { task_id: '0123abcd-0000-4000-8000-00000000beef' } }))
      .toBe('result for task 0123abcd…beef');
    expect(txSummary({ tx_type: 'JOB_CREATE', payload: { kind: 'hashpow', tasks: 3 } })).toBe('new hashpow job of 3 tasks');
    expect(txSummary({ tx_type: 'JOB_CREATE', payload: { kind: 'matmul', tasks: 1 } })).toBe('new matmul job of 1 task');
    expect(txSummary({ tx_type: 'VERDICT', payload: { task_id: 'x', accept: false } })).toBe('reject task x');
    expect(txSummary({ tx_type: 'WORKER_DEREGISTER', payload: {} })).toBe('deregister worker');
    expect(txSummary({ tx_type: 'COMMISSION_SET', payload: { provider: A, bps: 250 } })).toMatch(/^commission 2\.5 % for cpc1/);
  });

  it('falls back to the type for one it does not know', () => {
    expect(txSummary({ tx_type: 'SOMETHING_NEW', payload: {} })).toBe('something new');
  });
});

describe('txCounterparty and txDirection', () => {
  it('finds the recipient, provider or worker', () => {
    expect(txCounterparty({ payload: { to: B } })).toBe(B);
    expect(txCounterparty({ payload: { offer: { provider: A } } })).toBe(A);
    expect(txCounterparty({ payload: { task_id: 'x' } })).toBeUndefined();
  });

  it('says whether the account sent or received', () => {
    expect(txDirection({ from: A, payload: { to: B } }, A)).toBe('out');
    expect(txDirection({ from: A, payload: { to: B } }, B)).toBe('in');
    expect(txDirection({ from: A, payload: { to: A } }, A)).toBe('self');
  });
});
