/**
 * What the long-running commands (`daemon`, `serve`) share: what stops them (signals, the exit
 * of the process that started them) and port options.
 */
import { UsageError } from './common.js';

/** Resolves on the first SIGINT or SIGTERM. */
export function stopSignal(): Promise<NodeJS.Signals> {
  return new Promise((done) => {
    const handler = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
      done(signal);
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
  });
}

/** Parses a port option (0 picks a free port). */
export function parsePort(value: string, name: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(
      `${name} must be a port number (0 picks a free one); received '${value}'.`,
    );
  }
  return port;
}

/**
 * Resolves when the process that started this one has exited: the parent pid changes, because
 * the orphan is adopted by PID 1 or a subreaper. `npx` and `npm exec` are such parents, and a
 * SIGTERM that stops them does not always reach the command they started. Checked every
 * `intervalMs`; the timer does not keep the process alive.
 */
export function parentExited(intervalMs = 1000): Promise<'parent exited'> {
  const parent = process.ppid;
  return new Promise((done) => {
    const timer = setInterval(() => {
      if (process.ppid === parent) return;
      clearInterval(timer);
      done('parent exited');
    }, intervalMs);
    timer.unref();
  });
}
