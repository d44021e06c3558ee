/** Bits shared by the event-trigger examples: a quiet console logger and a stopwatch. */
import type { Logger } from '../../src/index.js';

const started = Date.now();

/** Prints `message` prefixed with the seconds since the example started. */
export function say(message: string): void {
  console.log(`[${((Date.now() - started) / 1000).toFixed(2).padStart(5)}s] ${message}`);
}

/** A logger that prints only the engine's warnings and errors, so the story stays readable. */
export const quietLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: (obj, msg) => say(`engine warning: ${typeof obj === 'string' ? obj : (msg ?? '')}`),
  error: (obj, msg) => say(`engine error: ${typeof obj === 'string' ? obj : (msg ?? '')}`),
  child: () => quietLogger,
};

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
