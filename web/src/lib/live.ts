// live.ts — refetch a view when blocks commit (SSE "block"), at most once per
// `minGapMs`: the API allows 100 requests a minute per signed-in user, and a
// devnet commits a block every second, so each view spends its share only. A
// block inside the gap schedules one trailing refresh at its end, so the last
// change is never missed. Nothing refetches on a timer of its own.
import { useEffect, useRef } from 'react';
import { useEvents } from './sse';

/** Whether a refresh may run at `now` after one at `last` (pure, for tests). */
export function refreshDue(last: number, now: number, minGapMs: number): boolean {
  return now - last >= minGapMs;
}

/** On each SSE `block` event, call `refresh` unless it ran less than `minGapMs`
 * ago; then once at the end of that gap. */
export function useBlockRefresh(refresh: () => void, minGapMs = 3000): void {
  const last = useRef(Date.now());
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const fn = useRef(refresh);
  fn.current = refresh;
  useEffect(() => () => {
    if (timer.current) clearTimeout(timer.current);
  }, []);
  useEvents(['block'], () => {
    const now = Date.now();
    if (refreshDue(last.current, now, minGapMs)) {
      last.current = now;
      fn.current();
    } else if (!timer.current) {
      timer.current = setTimeout(() => {
        timer.current = null;
        last.current = Date.now();
        fn.current();
      }, last.current + minGapMs - now);
    }
  });
}
