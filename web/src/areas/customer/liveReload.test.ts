import { describe, expect, it } from 'vitest';
import { reloadDue } from './liveReload';

describe('refetch on blocks', () => {
  it('reloads at most once per gap however fast blocks come', () => {
    let last = 0;
    let reloads = 0;
    for (let t = 1000; t <= 60_000; t += 1000) { // a block a second for a minute
      if (reloadDue(last, t, 10_000)) {
        last = t;
        reloads++;
      }
    }
    expect(reloads).toBe(6);
  });
});
