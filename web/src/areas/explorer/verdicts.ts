// verdicts.ts — what a task replica's state means for the worker who sent it
// (docs/market.md): the explorer shows accepted, rejected or still waiting.
export type Verdict = 'accepted' | 'rejected' | 'awaiting reveal' | 'awaiting quorum' | 'disputed' | 'unknown';

/** The verdict on one replica, from the task's status and the replica's state. */
export function replicaVerdict(taskStatus: string, state: string): Verdict {
  switch (state) {
    case 'rejected':
      return 'rejected';
    case 'result':
      // a plain result is recorded when the chain accepts (and pays) it
      return 'accepted';
    case 'revealed':
      // an exec replica's reveal is judged by the quorum when the task settles;
      // a closed task with revealed replicas is disputed, awaiting a VERDICT
      if (taskStatus === 'done' || taskStatus === 'unpaid') return 'accepted';
      return taskStatus === 'closed' ? 'disputed' : 'awaiting quorum';
    case 'committed':
      return taskStatus === 'done' ? 'accepted' : 'awaiting reveal';
    default:
      return 'unknown';
  }
}

/** The verdict on a task's committing worker when the task lists no replicas
 * (matmul and synthetic tasks: one worker commits, then REVEALs). */
export function committerVerdict(taskStatus: string): Verdict {
  if (taskStatus === 'done' || taskStatus === 'unpaid') return 'accepted';
  if (taskStatus === 'committed') return 'awaiting reveal';
  return 'unknown';
}

export function verdictColor(v: Verdict): 'success' | 'error' | 'warning' | 'default' {
  return v === 'accepted' ? 'success' : v === 'rejected' ? 'error' : v === 'unknown' ? 'default' : 'warning';
}
