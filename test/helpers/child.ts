/**
 * Real child processes for multi-process tests: `node --import tsx <script>`, with a line-based
 * protocol on stdin/stdout. Every child is killed when the test file ends, whatever happened.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll } from 'vitest';

const children = new Set<ChildProcessWithoutNullStreams>();

/** A child process speaking one line at a time. */
export interface Child {
  readonly process: ChildProcessWithoutNullStreams;
  /** Resolves with the first stdout line (already seen or future) matching `pattern`. */
  line(pattern: RegExp): Promise<string>;
  /** Every stdout line so far that matches `pattern`. */
  lines(pattern: RegExp): string[];
  /** Writes one line to stdin. */
  send(line: string): void;
  /** Resolves with the exit code; rejects with stderr when it is not 0. */
  exited(): Promise<number>;
}

/** Starts `node --import tsx script ...args`. */
export function spawnTsx(script: string, args: readonly string[]): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env },
  });
  children.add(child);
  const seen: string[] = [];
  const waiting = new Set<{ pattern: RegExp; resolve: (line: string) => void }>();
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  createInterface({ input: child.stdout }).on('line', (line) => {
    seen.push(line);
    for (const waiter of waiting) {
      if (waiter.pattern.test(line)) {
        waiting.delete(waiter);
        waiter.resolve(line);
      }
    }
  });
  const exit = new Promise<number>((resolve, reject) => {
    child.on('exit', (code, signal) => {
      children.delete(child);
      if (code === 0) resolve(0);
      else reject(new Error(`${script} exited with ${code ?? signal}: ${stderr}`));
    });
  });
  // A child that dies early must fail the test with its stderr, not leave it waiting.
  exit.catch(() => undefined);
  return {
    process: child,
    line(pattern) {
      const found = seen.find((line) => pattern.test(line));
      if (found !== undefined) return Promise.resolve(found);
      return Promise.race([
        new Promise<string>((resolve) => waiting.add({ pattern, resolve })),
        exit.then(() => {
          throw new Error(`${script} exited before printing ${String(pattern)}`);
        }),
      ]);
    },
    lines: (pattern) => seen.filter((line) => pattern.test(line)),
    send(line) {
      child.stdin.write(`${line}\n`);
    },
    exited: () => exit,
  };
}

afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
});
