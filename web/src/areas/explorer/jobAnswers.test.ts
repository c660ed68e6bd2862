import { describe, expect, it } from 'vitest';
import { answerVerdict, answersByTask } from './jobAnswers';
import type { Task, Tx } from './types';

const W1 = 'cpc1worker1';
const W2 = 'cpc1worker2';
const V = 'cpc1validator';
const T = '0123abcd-0000-4000-8000-00000000beef';

function tx(p: Partial<Tx> & Pick<Tx, 'tx_type' | 'from' | 'hash'>): Tx {
  return { nonce: 0, gas_price: 1, payload: { task_id: T }, height: 5, index: 0, status: 'success', ...p };
}

function task(p: Partial<Task> = {}): Task {
  return { id: T, job_id: 'j', index: 0, status: 'done', attempts: 0, worker: null, results: [], ...p };
}

describe('answerVerdict', () => {
  it('reads a plain result the chain took as accepted, a failed one as rejected', () => {
    expect(answerVerdict(tx({ tx_type: 'SUBMIT_RESULT', from: W1, hash: 'a' }), task())).toBe('accepted');
    expect(answerVerdict(tx({ tx_type: 'SUBMIT_RESULT', from: W1, hash: 'a', status: 'failed' }), task())).toBe('rejected');
  });

  it('uses the replica state of an exec task', () => {
    const t = task({ status: 'committed', results: [{ worker: W1, state: 'committed' }] });
    expect(answerVerdict(tx({ tx_type: 'SUBMIT_RESULT', from: W1, hash: 'a' }), t)).toBe('awaiting reveal');
  });

  it('reads a matmul commit by the task status, and the validator verdict by its accept flag', () => {
    const t = task({ status: 'committed', worker: W2 });
    expect(answerVerdict(tx({ tx_type: 'SUBMIT_RESULT', from: W2, hash: 'a' }), t)).toBe('awaiting reveal');
    expect(answerVerdict(tx({ tx_type: 'VERDICT', from: V, hash: 'v', payload: { task_id: T, accept: false } }), t)).toBe('rejected');
  });
});

describe('answersByTask', () => {
  it('groups answers by task, oldest first, ignoring txs that name no task', () => {
    const txs = [
      tx({ tx_type: 'SUBMIT_RESULT', from: W2, hash: 'late', height: 9 }),
      tx({ tx_type: 'JOB_CREATE', from: V, hash: 'job', payload: { kind: 'hashpow' }, height: 1 }),
      tx({ tx_type: 'SUBMIT_RESULT', from: W1, hash: 'early', height: 4, status: 'failed', error: 'wrong result' }),
    ];
    const m = answersByTask(txs, [task()]);
    expect([...m.keys()]).toEqual([T]);
    const list = m.get(T)!;
    expect(list.map((a) => [a.hash, a.by, a.verdict])).toEqual([['early', W1, 'rejected'], ['late', W2, 'accepted']]);
    expect(list[0].error).toBe('wrong result');
  });
});
