// jobAnswers.ts — who answered each task of a job, when, and the chain's
// verdict, from the job's committed market txs (GET /market/job/{id}/txs)
// and its task records (docs/market.md). A settled plain task keeps no
// worker in its record, so the txs are what names the worker and the block.
import type { Task, Tx } from './types';
import { committerVerdict, replicaVerdict, type Verdict } from './verdicts';

export interface Answer {
  /** the tx's sender: the worker, or the validator for a VERDICT */
  by: string;
  txType: string;
  hash: string;
  height: number | null;
  status: string;
  error?: string | null;
  verdict: Verdict;
}

function taskIdOf(tx: Tx): string | undefined {
  const v = (tx.payload as { task_id?: unknown } | undefined)?.task_id;
  return typeof v === 'string' ? v.toLowerCase() : undefined;
}

/** The verdict one tx stands for, given the task record (may be absent when not on this page). */
export function answerVerdict(tx: Tx, task: Task | undefined): Verdict {
  if (tx.tx_type === 'VERDICT') return (tx.payload as { accept?: unknown }).accept ? 'accepted' : 'rejected';
  if (tx.status === 'failed') return 'rejected';
  const replica = task?.results.find((r) => r.worker === tx.from);
  if (replica) return replicaVerdict(task!.status, replica.state);
  if (tx.tx_type === 'REVEAL') return 'accepted'; // a matmul reveal that verifies is paid at once
  if (task && task.worker === tx.from) {
    const v = committerVerdict(task.status);
    if (v !== 'unknown') return v;
  }
  // a plain result the chain took without keeping a replica: accepted and paid
  return 'accepted';
}

/** Answers per task id (lower case), oldest first. */
export function answersByTask(txs: readonly Tx[], tasks: readonly Task[]): Map<string, Answer[]> {
  const byId = new Map(tasks.map((t) => [t.id.toLowerCase(), t]));
  const out = new Map<string, Answer[]>();
  const ordered = [...txs].sort((a, b) => (a.height ?? 0) - (b.height ?? 0) || (a.index ?? 0) - (b.index ?? 0));
  for (const tx of ordered) {
    const id = taskIdOf(tx);
    if (!id) continue;
    const a: Answer = {
      by: tx.from, txType: tx.tx_type, hash: tx.hash, height: tx.height, status: tx.status,
      error: tx.error, verdict: answerVerdict(tx, byId.get(id)),
    };
    const list = out.get(id);
    if (list) list.push(a);
    else out.set(id, [a]);
  }
  return out;
}
