// liveReload.ts — refetch on new blocks (SSE), at most once per `gapMs`.
// A devnet makes a block a second and the API allows 100 requests a minute
// per user, so a page refetches each resource only as often as it can change
// in a way worth showing (and never on a timer).
import { useRef } from 'react';
import { useEvents } from '../../lib/sse';

/** Whether a reload is due at `now`, given the last one at `last`. */
export function reloadDue(last: number, now: number, gapMs: number): boolean {
  return now - last >= gapMs;
}

export function useBlockReload(reload: () => void, gapMs: number): void {
  const last = useRef(Date.now());
  useEvents(['block'], () => {
    const now = Date.now();
    if (!reloadDue(last.current, now, gapMs)) return;
    last.current = now;
    reload();
  });
}
