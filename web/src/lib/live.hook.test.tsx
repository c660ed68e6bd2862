// @vitest-environment jsdom
// Block events refresh at most once per gap, with one trailing refresh.
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { act } from 'react';
import { createRoot } from 'react-dom/client';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

type Listener = (m: MessageEvent) => void;
const listeners = new Map<string, Listener[]>();
class FakeEventSource {
  constructor(public url: string) {}
  addEventListener(ev: string, fn: Listener) {
    listeners.set(ev, [...(listeners.get(ev) ?? []), fn]);
  }
}
const block = () => listeners.get('block')?.forEach((f) => f(new MessageEvent('block', { data: '{"height":1}' })));

beforeAll(() => {
  (globalThis as { EventSource?: unknown }).EventSource = FakeEventSource;
});
afterEach(() => vi.useRealTimers());

describe('useBlockRefresh', () => {
  it('refreshes at most once per gap, with one trailing refresh, never right after loading', async () => {
    vi.useFakeTimers();
    const { useBlockRefresh } = await import('./live');
    const refresh = vi.fn();
    function Probe() {
      useBlockRefresh(refresh, 1000);
      return null;
    }
    const root = createRoot(document.createElement('div'));
    act(() => root.render(<Probe />));
    act(block); // the view has just loaded: no refetch yet, one at the gap's end
    expect(refresh).toHaveBeenCalledTimes(0);
    act(() => vi.advanceTimersByTime(1000));
    expect(refresh).toHaveBeenCalledTimes(1);
    act(block);
    act(block);
    expect(refresh).toHaveBeenCalledTimes(1);
    act(() => vi.advanceTimersByTime(1000));
    expect(refresh).toHaveBeenCalledTimes(2);
    act(() => vi.advanceTimersByTime(5000));
    expect(refresh).toHaveBeenCalledTimes(2);
    act(block);
    expect(refresh).toHaveBeenCalledTimes(3);
    act(() => root.unmount());
  });
});
