// sse.ts — live updates from cpcd's GET /events (Server-Sent Events).
// One EventSource per page, shared by every subscriber; the browser
// reconnects by itself after a drop. Events today: "block" and "tx" (compact
// JSON, see docs/api.md). Views that show state which changes with the chain
// refetch on these events instead of polling on a timer.
import { useEffect, useRef } from 'react';

type Handler = (data: unknown, event: string) => void;

const handlers = new Map<string, Set<Handler>>();
let source: EventSource | null = null;

function ensureSource(): void {
  if (source || typeof EventSource === 'undefined') return;
  source = new EventSource('/events');
  for (const ev of handlers.keys()) attach(ev);
}

const attached = new Set<string>();
function attach(ev: string): void {
  if (!source || attached.has(ev)) return;
  attached.add(ev);
  source.addEventListener(ev, (m) => {
    let data: unknown = (m as MessageEvent).data;
    try {
      data = JSON.parse(String(data));
    } catch {
      /* keep the text */
    }
    for (const h of handlers.get(ev) ?? []) h(data, ev);
  });
}

/** Subscribe `fn` to the named events; returns the unsubscribe function. */
export function subscribe(events: readonly string[], fn: Handler): () => void {
  for (const ev of events) {
    if (!handlers.has(ev)) handlers.set(ev, new Set());
    handlers.get(ev)!.add(fn);
  }
  ensureSource();
  for (const ev of events) attach(ev);
  return () => {
    for (const ev of events) handlers.get(ev)?.delete(fn);
  };
}

/** React hook: call fn on each of the named events while mounted. */
export function useEvents(events: readonly string[], fn: Handler): void {
  const ref = useRef(fn);
  ref.current = fn;
  const key = events.join(',');
  useEffect(() => subscribe(key.split(','), (d, e) => ref.current(d, e)), [key]);
}
