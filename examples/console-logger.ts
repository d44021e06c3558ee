/**
 * A logger for examples that print a story on the console: the engine's lines (and what tasks
 * log with `handle.log`) as one readable line each, instead of pino's JSON. Production code
 * keeps the default pino logger, whose JSON lines a log pipeline reads.
 */
import type { Logger } from '../src/index.js';

type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: readonly Level[] = ['debug', 'info', 'warn', 'error'];

/** Fields every line carries; the task id is shown, the long ids are left out. */
const HIDDEN = new Set(['runnerId', 'executionId', 'taskId', 'component']);

/** `  [info] fetch_rates: rates fetched (attempt=2)` */
function line(level: Level, fields: Record<string, unknown>, message: string): string {
  const task = typeof fields['taskId'] === 'string' ? `${fields['taskId']}: ` : '';
  const extra = Object.entries(fields)
    .filter(([key]) => !HIDDEN.has(key))
    .map(
      ([key, value]) => `${key}=${value instanceof Error ? value.message : JSON.stringify(value)}`,
    );
  return `  [${level}] ${task}${message}${extra.length > 0 ? ` (${extra.join(', ')})` : ''}`;
}

/** A logger printing lines at `minLevel` and above to the console. */
export function consoleLogger(
  minLevel: Level = 'info',
  bindings: Record<string, unknown> = {},
): Logger {
  const write =
    (level: Level) =>
    (obj: object | string, msg?: string): void => {
      if (ORDER.indexOf(level) < ORDER.indexOf(minLevel)) return;
      const [fields, message] =
        typeof obj === 'string' ? [{}, obj] : [obj as Record<string, unknown>, msg ?? ''];
      console.log(line(level, { ...bindings, ...fields }, message));
    };
  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    child: (more) => consoleLogger(minLevel, { ...bindings, ...more }),
  };
}
