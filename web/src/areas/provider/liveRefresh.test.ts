import { describe, expect, it } from 'vitest';
import { refreshDue } from './liveRefresh';

describe('refreshDue', () => {
  it('lets one refresh through per gap', () => {
    expect(refreshDue(1000, 3999, 3000)).toBe(false);
    expect(refreshDue(1000, 4000, 3000)).toBe(true);
  });
});
