// The JSON job-spec checks mirror the node's decoders (contract.c, market_quote.c):
// errors carry the node's field paths so the page puts them next to the field.
import { describe, expect, it } from 'vitest';
import { checkContract, parseJobSpec } from './jobSpec';
import { buildJobBody, initialForm } from './jobForm';
import { acceptedResults, logText, taskOutcome } from './jobView';
import type { TaskRecord } from './types';

const hashpow = { kind: 'hashpow', params: { bits: 12 }, tasks: 2, reward: 100000000, deadline: 100, max_budget: 220000000 };
const PUB = '025345693f0f7a41f1e99bd36cd3f8a563be20fe130bcdd8f0cecb3ce4ce478a57';

describe('parseJobSpec', () => {
  it('takes a kind-level contract', () => {
    const r = parseJobSpec(JSON.stringify(hashpow));
    expect(r.errors).toEqual({});
    expect(r.body).toEqual(hashpow);
  });

  it('takes each kind with its parameters', () => {
    const ok = [
      { ...hashpow, kind: 'matmul', params: { m: 64, k: 64, n: 64, challenges: 8 } },
      { ...hashpow, kind: 'vanity', params: { pubkey: PUB, prefix: 'q' }, tasks: 1, max_budget: 110000000 },
      { ...hashpow, kind: 'exec', params: { app: 'ab'.repeat(32), inputs: ['cd'.repeat(32)], timeout_s: 60, memory_mb: 256 }, replication: 3, max_budget: 660000000 },
    ];
    for (const c of ok) expect(parseJobSpec(JSON.stringify(c)).errors).toEqual({});
  });

  it('takes the high-level form', () => {
    const r = parseJobSpec('{"type":"ml_training","framework":"pytorch","dataset_size":"500GB","model_params":"70B","priority":"high","max_budget":1000}');
    expect(r.errors).toEqual({});
    expect(r.body?.type).toBe('ml_training');
  });

  it('reports syntax errors and the missing discriminator on the JSON field', () => {
    expect(parseJobSpec('{"kind":').errors.json).toMatch(/not valid JSON/);
    expect(parseJobSpec('[1]').errors.json).toMatch(/expected a JSON object/);
    expect(parseJobSpec('{"tasks":1}').errors.json).toMatch(/needs "kind"/);
  });

  it('names each bad field by its path', () => {
    const e = parseJobSpec(JSON.stringify({ kind: 'hashpow', params: { bits: 65, extra: 1 }, tasks: 0, reward: 1.5, deadline: 100, max_budget: 1, priority: 'urgent' })).errors;
    expect(e['contract.params.bits']).toMatch(/1\.\.64/);
    expect(e['contract.params.extra']).toMatch(/unknown field/);
    expect(e['contract.tasks']).toMatch(/1\.\.100000/);
    expect(e['contract.reward']).toMatch(/integer/);
    expect(e['contract.priority']).toMatch(/low, normal or high/);
  });

  it('checks kinds, vanity keys and prefixes, exec blobs and replication', () => {
    expect(checkContract({ ...hashpow, kind: 'mine' })['contract.kind']).toMatch(/unknown kind/);
    const v = checkContract({ ...hashpow, kind: 'vanity', params: { pubkey: '04' + '00'.repeat(32), prefix: 'b' } });
    expect(v['contract.params.pubkey']).toMatch(/compressed/);
    expect(v['contract.params.prefix']).toMatch(/bech32/);
    const x = checkContract({ ...hashpow, kind: 'exec', params: { app: 'zz', inputs: ['00'], timeout_s: 0, memory_mb: 1 } });
    expect(x['contract.params.app']).toMatch(/64 hex/);
    expect(x['contract.params.inputs[0]']).toMatch(/64 hex/);
    expect(x['contract.params.timeout_s']).toMatch(/1\.\.86400/);
    expect(checkContract({ ...hashpow, replication: 2 })['contract.replication']).toMatch(/must be 1 for hashpow/);
    expect(checkContract({ ...hashpow, kind: 'matmul', params: { m: 4, k: 4, n: 4, challenges: 5 } })['contract.params.challenges']).toMatch(/at most m/);
  });

  it('refuses a max_budget below budget + 10% commission', () => {
    expect(checkContract({ ...hashpow, max_budget: 219999999 })['contract.max_budget']).toMatch(/220000000/);
  });

  it('refuses integers a browser cannot keep exact', () => {
    const e = parseJobSpec('{"kind":"hashpow","params":{"bits":8},"tasks":1,"reward":18446744073709551615,"deadline":10,"max_budget":1}').errors;
    expect(e['contract.reward']).toMatch(/largest integer/);
  });

  it('checks the high-level form', () => {
    const e = parseJobSpec('{"type":"mining","framework":"py torch","dataset_size":"lots","priority":"x","replication":10}').errors;
    expect(Object.keys(e).sort()).toEqual(['request.dataset_size', 'request.framework', 'request.max_budget', 'request.priority', 'request.replication', 'request.type']);
    expect(parseJobSpec('{"type":"inference","max_budget":"0.0000000001"}').errors['request.max_budget']).toMatch(/9 decimals/);
  });
});

describe('buildJobBody (the form)', () => {
  it('builds a hashpow contract with the budget as its maximum', () => {
    const r = buildJobBody(initialForm);
    expect(r.errors).toEqual({});
    expect(r.body).toEqual({ kind: 'hashpow', params: { bits: 12 }, tasks: 2, reward: 100000000, deadline: 100, priority: 'normal', max_budget: 220000000 });
  });

  it('builds the high-level form with max_budget in CPC', () => {
    const r = buildJobBody({ ...initialForm, kind: 'workload', max_budget: '1,000.5' });
    expect(r.body).toEqual({ type: 'inference', priority: 'normal', framework: 'pytorch', dataset_size: '10GB', max_budget: '1000.5' });
  });

  it('puts errors on the fields', () => {
    const r = buildJobBody({ ...initialForm, bits: 'x', reward: '1.0000000001', tasks: '0' });
    expect(r.body).toBeUndefined();
    expect(r.errors['contract.params.bits']).toMatch(/whole number/);
    expect(r.errors['contract.reward']).toMatch(/9 decimals/);
    expect(r.errors['contract.tasks']).toMatch(/1\.\.100000/);
  });
});

describe('job view', () => {
  const task = (p: Partial<TaskRecord>): TaskRecord => ({
    id: 't', job_id: 'j', index: 0, status: 'open', attempts: 0, worker: null, commit_height: 0, reveal_deadline: 0, results: [], ...p,
  });
  it('says what the chain decided about a task', () => {
    expect(taskOutcome(task({ status: 'done', results: [{ worker: 'w', state: 'result', result_hash: 'aa' }] }))).toEqual({ verdict: 'verified and paid', result: 'aa' });
    expect(taskOutcome(task({})).verdict).toBe('waiting for a worker');
    expect(taskOutcome(task({ status: 'committed', attempts: 2, results: [{ worker: 'a', state: 'committed' }, { worker: 'b', state: 'rejected' }] })).verdict)
      .toBe('1 committed, awaiting reveal; 1 rejected (attempt 2)');
    const majority = taskOutcome(task({ status: 'done', results: [
      { worker: 'a', state: 'revealed', result_hash: 'bb' }, { worker: 'b', state: 'revealed', result_hash: 'cc' }, { worker: 'c', state: 'revealed', result_hash: 'cc' },
    ] }));
    expect(majority.result).toBe('cc');
  });
  it('reads accepted results from the log (the record of a vanity task keeps none)', () => {
    const logs = { id: 'd', job_id: 'j', job: 'on_chain' as const, count: 3, truncated: false, events: [
      { height: 9, index: 0, status: 'success', event: 'result', payload: { task_id: 'u1', result_hash: 'good' } },
      { height: 8, index: 0, status: 'failed', event: 'result', payload: { task_id: 'u1', result_hash: 'bad' } },
      { height: 7, index: 0, status: 'success', event: 'created', payload: {} },
    ] };
    expect([...acceptedResults(logs)]).toEqual([['u1', 'good']]);
    expect(taskOutcome(task({ id: 'u1', status: 'done' }), 'good').result).toBe('good');
    expect(taskOutcome(task({ id: 'u1', status: 'open' }), 'good').result).toBeUndefined();
  });
  it('writes the log as text', () => {
    const t = logText({ id: 'd', job_id: 'j1', job: 'on_chain', count: 1, truncated: false, events: [
      { height: 7, index: 1, status: 'failed', event: 'result', tx_type: 'SUBMIT_RESULT', from: 'cpc1w', error: 'Invalid ComputeResult: bad', payload: { task_id: 'u1' } },
    ] });
    expect(t).toBe('job j1: on_chain, 1 event\n7.1  result     failed   SUBMIT_RESULT  cpc1w  task u1  — Invalid ComputeResult: bad\n');
  });
});
