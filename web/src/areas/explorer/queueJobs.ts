// queueJobs.ts — the scheduler's queue of open tasks grouped by job, in queue order.
import type { QueueTask } from './types';

export interface QueueJob {
  job_id: string;
  kind: string;
  priority: string;
  reward: number;
  created_height: number;
  open: number;
  leased: number;
}

/** One entry per job, in the order its first task appears in the queue. */
export function jobsOfQueue(tasks: readonly QueueTask[]): QueueJob[] {
  const m = new Map<string, QueueJob>();
  for (const t of tasks) {
    let j = m.get(t.job_id);
    if (!j) {
      j = { job_id: t.job_id, kind: t.kind, priority: t.priority, reward: t.reward, created_height: t.job_created_height, open: 0, leased: 0 };
      m.set(t.job_id, j);
    }
    j.open += 1;
    if (t.leased) j.leased += 1;
  }
  return [...m.values()];
}
