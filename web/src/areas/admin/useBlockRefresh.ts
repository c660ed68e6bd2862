// useBlockRefresh.ts — refetch on new blocks (SSE "block"), at most once per
// `minGapMs`: a fast devnet makes a block a second, and an admin page with
// several lists should not reload them all that often. A block inside the gap
// schedules one trailing refresh at its end, so the last change is not missed.
import { useEffect, useRef } from 'react';
import { useEvents } from '../../lib/sse';

export function useBlockRefresh(refresh: () => void, minGapMs = 3000): void {
  const last = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const fn = useRef(refresh);
  fn.current = refresh;
  useEffect(() => () => {
    if (timer.current) clearTimeout(timer.current);
  }, []);
  useEvents(['block'], () => {
    const wait = last.current + minGapMs - Date.now();
    if (wait <= 0) {
      last.current = Date.now();
      fn.current();
    } else if (!timer.current) {
      timer.current = setTimeout(() => {
        timer.current = null;
        last.current = Date.now();
        fn.current();
      }, wait);
    }
  });
}
