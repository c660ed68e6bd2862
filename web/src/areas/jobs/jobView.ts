// jobView.ts — how a job's tasks and log read on the detail page: each task's
// verification outcome in words, the on-chain log as plain text, and the
// results as one JSON file to download.
import type { JobLogs, MarketJob, TaskRecord } from './types';

export interface TaskOutcome {
  verdict: string;
  /** the accepted result (hex): a hashpow nonce, a vanity partial key, an exec result… */
  result?: string;
}

/** Accepted results by task id, from the job's log: a hashpow or vanity task's
 * record does not keep its result, the SUBMIT_RESULT that settled it does. */
export function acceptedResults(l: JobLogs | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of l?.events ?? []) {
    if (e.event !== 'result' || e.status !== 'success') continue;
    const p = (e.payload ?? {}) as Record<string, unknown>;
    if (typeof p.task_id === 'string' && typeof p.result_hash === 'string' && !out.has(p.task_id)) out.set(p.task_id, p.result_hash);
  }
  return out;
}

/** The chain's verdict on a task, from its record (docs/market.md "Results by kind");
 * `logged` is its accepted result from the log when the record keeps none. */
export function taskOutcome(t: TaskRecord, logged?: string): TaskOutcome {
  const accepted = t.results.filter((r) => r.state === 'result' || r.state === 'revealed');
  const rejected = t.results.filter((r) => r.state === 'rejected').length;
  const committed = t.results.filter((r) => r.state === 'committed').length;
  let verdict: string;
  switch (t.status) {
    case 'done':
      verdict = 'verified and paid';
      break;
    case 'committed':
      verdict = committed ? `${committed} committed, awaiting reveal` : 'committed, awaiting reveal';
      break;
    case 'closed':
      verdict = accepted.length ? 'closed (disputed: no majority)' : 'closed unfinished';
      break;
    case 'unpaid':
      verdict = 'done, unpaid';
      break;
    default:
      verdict = t.worker ? 'being computed' : 'waiting for a worker';
  }
  if (rejected) verdict += `; ${rejected} rejected`;
  if (t.attempts > 1 && t.status !== 'done') verdict += ` (attempt ${t.attempts})`;
  // the accepted value: with replicas, the one the most revealed agree on
  const counts = new Map<string, number>();
  for (const r of accepted) if (r.result_hash) counts.set(r.result_hash, (counts.get(r.result_hash) ?? 0) + 1);
  let result: string | undefined;
  let best = 0;
  for (const [h, c] of counts) if (c > best) [result, best] = [h, c];
  if (!result && t.status === 'done' && logged) result = logged;
  return { verdict, result };
}

function field(v: unknown): string {
  return v === undefined || v === null || v === '' ? '' : String(v);
}

/** The log as lines: "height.index  event  status  tx_type  from  [task]  [error]". */
export function logText(l: JobLogs): string {
  const head = `job ${l.job_id ?? '(not on chain)'}: ${l.job}, ${l.count} event${l.count === 1 ? '' : 's'}${l.truncated ? ' (truncated)' : ''}`;
  const lines = l.events.map((e) => {
    const p = (e.payload ?? {}) as Record<string, unknown>;
    const task = field(p.task_id);
    return [
      `${e.height}.${e.index}`,
      field(e.event).padEnd(9),
      field(e.status).padEnd(7),
      field(e.tx_type),
      field(e.from),
      task ? `task ${task}` : '',
      e.error ? `— ${e.error}` : '',
    ].filter(Boolean).join('  ');
  });
  return [head, ...lines].join('\n') + '\n';
}

/** Every task of the page with its outcome, as a JSON document. */
export function resultsFile(m: MarketJob, logged: Map<string, string> = new Map()): string {
  return JSON.stringify(
    {
      job_id: m.id,
      kind: m.contract.kind,
      params: m.contract.params,
      status: m.status,
      tasks_done: m.tasks_done,
      tasks: m.tasks.map((t) => ({ index: t.index, task_id: t.id, status: t.status, ...taskOutcome(t, logged.get(t.id)), replicas: t.results })),
    },
    null,
    2,
  ) + '\n';
}
