/** The current time, refreshed on an interval, for "5 s ago" texts that must age on screen. */
import { useState } from 'preact/hooks';
import { useInterval } from './use-api.js';

/** `Date.now()`, re-read every `ms` (a re-render of the caller each time). */
export function useNow(ms = 5000): number {
  const [now, setNow] = useState(() => Date.now());
  useInterval(() => setNow(Date.now()), ms);
  return now;
}
