import { describe, expect, it } from 'vitest';
import { jobsOfQueue } from './queueJobs';
import { committerVerdict, replicaVerdict } from './verdicts';

describe('replicaVerdict', () => {
  it('maps replica states to the verdict a reader expects', () => {
    expect(replicaVerdict('done', 'result')).toBe('accepted');
    expect(replicaVerdict('open', 'rejected')).toBe('rejected');
    expect(replicaVerdict('committed', 'committed')).toBe('awaiting reveal');
    expect(replicaVerdict('committed', 'revealed')).toBe('awaiting quorum');
    expect(replicaVerdict('done', 'revealed')).toBe('accepted');
    expect(replicaVerdict('closed', 'revealed')).toBe('disputed');
    expect(replicaVerdict('done', 'weird')).toBe('unknown');
  });

  it('judges a lone committer by the task status', () => {
    expect(committerVerdict('done')).toBe('accepted');
    expect(committerVerdict('committed')).toBe('awaiting reveal');
    expect(committerVerdict('open')).toBe('unknown');
  });
});

describe('jobsOfQueue', () => {
  it('groups open tasks by job in queue order and counts the leased ones', () => {
    const t = (job_id: string, index: number, leased: boolean) => ({
      job_id, task_id: `${job_id}-${index}`, index, kind: 'hashpow', priority: 'normal', reward: 10, job_created_height: 3, leased,
    });
    const out = jobsOfQueue([t('b', 0, true), t('a', 0, false), t('b', 1, false), t('b', 2, true)]);
    expect(out.map((j) => [j.job_id, j.open, j.leased])).toEqual([['b', 3, 2], ['a', 1, 0]]);
  });
});
