// useApi.ts — load an API resource into a component: { data, error, loading, reload }.
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError } from '../api/client';

export interface Loaded<T> {
  data: T | undefined;
  error: ApiError | Error | undefined;
  loading: boolean;
  /** fetch again (keeps the old data on screen until the new answer) */
  reload: () => void;
}

/** Runs `load` on mount and whenever `deps` change; `load` returning null skips. */
export function useApi<T>(load: () => Promise<T> | null, deps: readonly unknown[]): Loaded<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<ApiError | Error>();
  const [loading, setLoading] = useState(true);
  const seq = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const run = useCallback(() => {
    const p = loadRef.current();
    if (!p) {
      setLoading(false);
      return;
    }
    const my = ++seq.current;
    setLoading(true);
    p.then(
      (d) => {
        if (my !== seq.current) return;
        setData(d);
        setError(undefined);
        setLoading(false);
      },
      (e: unknown) => {
        if (my !== seq.current) return;
        setError(e instanceof Error ? e : new Error(String(e)));
        setLoading(false);
      },
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  useEffect(() => {
    run();
  }, [run]);
  return { data, error, loading, reload: run };
}
