/** A logger that drops everything, for benchmark runners whose logs would only add noise. */
import type { Logger } from '../src/index.js';

/** Drops every line. */
export const quietLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => quietLogger,
};
