/** The default logger: pino, structured, quiet on the hot path (task-level lines are `debug`). */
import { pino } from 'pino';
import type { Logger } from '../core/options.js';

/** Creates the default logger at `level` (default `CLOACINA_LOG_LEVEL` or `info`). */
export function createDefaultLogger(
  level: string = process.env.CLOACINA_LOG_LEVEL ?? 'info',
): Logger {
  return pino({ name: 'cloacina', level });
}
