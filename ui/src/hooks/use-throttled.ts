/** A callback that runs at most once per interval, however often it is asked for. */
import { useEffect, useMemo, useRef } from 'preact/hooks';

/**
 * Returns a function that runs `fn` at once if it has not run in the last `ms`, else once at the
 * end of that window (so the last request is never lost). Live pages use it to reload on events:
 * a burst of a hundred events costs one or two requests, not a hundred.
 */
export function useThrottled(fn: () => void, ms: number): () => void {
  const ref = useRef(fn);
  ref.current = fn;
  const state = useRef<{ last: number; timer: ReturnType<typeof setTimeout> | null }>({
    last: 0,
    timer: null,
  });
  useEffect(
    () => () => {
      if (state.current.timer !== null) clearTimeout(state.current.timer);
    },
    [],
  );
  return useMemo(
    () => () => {
      const s = state.current;
      if (s.timer !== null) return;
      const wait = s.last + ms - Date.now();
      const run = () => {
        s.timer = null;
        s.last = Date.now();
        ref.current();
      };
      if (wait <= 0) run();
      else s.timer = setTimeout(run, wait);
    },
    [ms],
  );
}
