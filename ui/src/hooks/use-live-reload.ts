/** Reloads driven by live events: throttled, and never cutting off a load in flight. */
import { useEffect, useRef } from 'preact/hooks';
import type { Loaded } from './use-api.js';
import { useThrottled } from './use-throttled.js';

/**
 * Returns a function that reloads `loaded` at most once every `ms`. A call while a load is in
 * flight waits for it to end instead of aborting it: on a slow server, reloads that each abort
 * the one before would never show anything new.
 */
export function useLiveReload(
  loaded: Pick<Loaded<unknown>, 'loading' | 'reload'>,
  ms: number,
): () => void {
  const loading = useRef(loaded.loading);
  loading.current = loaded.loading;
  const pending = useRef(false);
  const request = useThrottled(() => {
    if (loading.current) pending.current = true;
    else loaded.reload();
  }, ms);
  useEffect(() => {
    if (loaded.loading || !pending.current) return;
    pending.current = false;
    request();
  }, [loaded.loading]);
  return request;
}
