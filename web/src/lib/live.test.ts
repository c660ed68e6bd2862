import { describe, expect, it } from 'vitest';
import { refreshDue } from './live';

describe('refreshDue', () => {
  it('lets one refresh through per gap', () => {
    expect(refreshDue(1000, 3999, 3000)).toBe(false);
    expect(refreshDue(1000, 4000, 3000)).toBe(true);
  });
});

describe('refetch on blocks', () => {
  it('refreshes at most once per gap however fast blocks come', () => {
    let last = 0;
    let refreshes = 0;
    for (let t = 1000; t <= 60_000; t += 1000) { // a block a second for a minute
      if (refreshDue(last, t, 10_000)) {
        last = t;
        refreshes++;
      }
    }
    expect(refreshes).toBe(6);
  });
});
