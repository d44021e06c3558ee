/** Data loading for pages: one request per dependency change, stale answers dropped. */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api/client.js';

/** What {@link useApi} returns. */
export interface Loaded<T> {
  /** The latest answer (kept while a reload runs, so the page does not flicker). */
  readonly data: T | undefined;
  readonly error: ApiError | undefined;
  readonly loading: boolean;
  /** Loads again (e.g. after an action or a live event). */
  readonly reload: () => void;
  /** Replaces the data locally (a live update that needs no request). */
  readonly setData: (update: (previous: T | undefined) => T | undefined) => void;
}

/**
 * Runs `load` when the component mounts and whenever `deps` change; an answer that arrives after
 * a newer request started is dropped.
 */
export function useApi<T>(
  load: (signal: AbortSignal) => Promise<T>,
  deps: readonly unknown[],
): Loaded<T> {
  const [data, setDataState] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const [generation, setGeneration] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    const abort = new AbortController();
    setLoading(true);
    loadRef.current(abort.signal).then(
      (value) => {
        if (abort.signal.aborted) return;
        setDataState(value);
        setError(undefined);
        setLoading(false);
      },
      (reason: unknown) => {
        if (abort.signal.aborted) return;
        setError(reason instanceof ApiError ? reason : new ApiError(0, 'CLIENT', String(reason)));
        setLoading(false);
      },
    );
    return () => abort.abort();
  }, [...deps, generation]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  const setData = useCallback(
    (update: (previous: T | undefined) => T | undefined) => setDataState(update),
    [],
  );
  return { data, error, loading, reload, setData };
}

/** Calls `fn` every `ms` while the component is mounted (and `enabled`). */
export function useInterval(fn: () => void, ms: number, enabled = true): void {
  const ref = useRef(fn);
  ref.current = fn;
  useEffect(() => {
    if (!enabled) return;
    const id = setInterval(() => ref.current(), ms);
    return () => clearInterval(id);
  }, [ms, enabled]);
}
