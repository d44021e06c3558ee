/**
 * A logger that drops everything, for tests and the child processes they start (which cannot
 * import `backend.ts`: it registers vitest hooks).
 */
export const quietLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child() {
    return quietLogger;
  },
};
