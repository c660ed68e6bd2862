// liveRefresh.ts — refetch a view when blocks commit (SSE), at most once per
// `minGapMs`: the API allows 100 requests a minute per signed-in user, and a
// devnet commits a block every second, so each view spends its share only.
import { useRef } from 'react';
import { useEvents } from '../../lib/sse';

/** Whether a refresh may run at `now` after one at `last` (pure, for tests). */
export function refreshDue(last: number, now: number, minGapMs: number): boolean {
  return now - last >= minGapMs;
}

/** On each SSE `block` event, call `refresh` unless it ran less than `minGapMs` ago. */
export function useBlockRefresh(refresh: () => void, minGapMs: number): void {
  const last = useRef(Date.now());
  useEvents(['block'], () => {
    const now = Date.now();
    if (!refreshDue(last.current, now, minGapMs)) return;
    last.current = now;
    refresh();
  });
}
