/**
 * Runs the real `cloacinactl` (`node --import tsx src/cli/main.ts`) against a test database, and
 * writes daemon modules into temp folders. Daemons left running by a test are killed after it.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { spawnScript, waitFor, type Child } from '../helpers/processes.js';

const MAIN = 'src/cli/main.ts';

/** Long-running children (daemons, watches) to kill after each test. */
const daemons = new Set<Child>();

afterEach(() => {
  for (const daemon of daemons) daemon.process.kill('SIGKILL');
  daemons.clear();
});

/** What one CLI invocation printed and how it exited. */
export interface CliRun {
  readonly code: number | string;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `cloacinactl --db <url> ...args` to completion. */
export async function cli(url: string, args: readonly string[]): Promise<CliRun> {
  const child = spawnScript(MAIN, ['--db', url, ...args], { CLOACINA_DATABASE_URL: '' });
  const code = await child.exited;
  return { code, stdout: child.stdout(), stderr: child.stderr() };
}

/**
 * Starts `cloacinactl --db <url> ...args` without waiting for it, for commands that run until
 * something happens (`run --watch`); killed after the test if still running.
 */
export function startCli(url: string, args: readonly string[]): Child {
  const child = spawnScript(MAIN, ['--db', url, ...args], { CLOACINA_DATABASE_URL: '' });
  daemons.add(child);
  return child;
}

/** Runs a CLI command that must succeed; returns its stdout. */
export async function ok(url: string, args: readonly string[]): Promise<string> {
  const run = await cli(url, args);
  if (run.code !== 0) {
    throw new Error(`cloacinactl ${args.join(' ')} exited ${run.code}: ${run.stderr}${run.stdout}`);
  }
  return run.stdout;
}

/** Runs a `--json` command that must succeed and parses its output. */
export async function json<T = unknown>(url: string, args: readonly string[]): Promise<T> {
  return JSON.parse(await ok(url, ['--json', ...args])) as T;
}

/** The fields of the daemon's "daemon ready" log line that tests read. */
export interface ReadyLine {
  readonly pid: number;
  readonly workflows: readonly string[];
  /** Modules that failed to load at start. */
  readonly failed: readonly string[];
  readonly metricsPort: number;
  readonly metricsHost: string;
}

/** A running daemon and the port of its metrics endpoint. */
export interface Daemon {
  readonly child: Child;
  readonly metricsPort: number;
  /** The interface `/metrics` listens on, as the ready line says. */
  readonly metricsHost: string;
  /** The ready line. */
  readonly ready: ReadyLine;
  /** Sends `signal` and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/** The arguments of `cloacinactl daemon --dir <dir> --metrics-port 0 ...extra` on `url`. */
export function daemonArgs(url: string, dir: string, extra: readonly string[] = []): string[] {
  return ['--db', url, 'daemon', '--dir', dir, '--metrics-port', '0', ...extra];
}

/** Spawns a daemon without waiting for it (killed after the test). */
export function spawnDaemon(url: string, dir: string, extra: readonly string[] = []): Child {
  const child = spawnScript(MAIN, daemonArgs(url, dir, extra), { CLOACINA_LOG_LEVEL: 'info' });
  daemons.add(child);
  return child;
}

/** Starts `cloacinactl daemon --dir <dir> --metrics-port 0` and waits until it is ready. */
export async function startDaemon(
  url: string,
  dir: string,
  extra: readonly string[] = [],
): Promise<Daemon> {
  const child = spawnDaemon(url, dir, extra);
  let exitedEarly: number | string | undefined;
  void child.exited.then((code) => (exitedEarly = code));
  await waitFor(
    () => {
      if (exitedEarly !== undefined)
        throw new Error(`daemon exited ${exitedEarly}: ${child.stderr()}${child.stdout()}`);
      return child.stdout().includes('"msg":"daemon ready"');
    },
    60_000,
    'the daemon to be ready',
  );
  const ready = JSON.parse(
    child
      .stdout()
      .split('\n')
      .find((line) => line.includes('"msg":"daemon ready"')) ?? '{}',
  ) as ReadyLine;
  return {
    child,
    metricsPort: ready.metricsPort,
    metricsHost: ready.metricsHost,
    ready,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      child.process.kill(signal);
      const code = await child.exited;
      daemons.delete(child);
      return code;
    },
  };
}

/** The parsed log lines of a daemon's stdout whose `msg` is `msg`. */
export function logLinesWith(stdout: string, msg: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((line) => line.includes(`"msg":${JSON.stringify(msg)}`))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/**
 * A temp folder for daemon modules, under a package.json with `packageJson` (default ESM, like
 * the projects that use this package).
 */
export function moduleDir(packageJson = '{ "type": "module" }'): string {
  const dir = mkdtempSync(join(tmpdir(), 'cloacina-cli-'));
  writeFileSync(join(dir, 'package.json'), `${packageJson}\n`);
  return dir;
}

/**
 * Writes a daemon module importing the library by its name, as users do (the daemon resolves
 * `'cloacina'` to its own copy); `body` uses `task`, `workflow`, ...
 */
export function writeModule(dir: string, name: string, body: string): string {
  const path = join(dir, name);
  const source =
    "import { task, workflow, defineTrigger, TriggerResult } from 'cloacina';\n" +
    `void task; void workflow; void defineTrigger; void TriggerResult;\n${body}\n`;
  writeFileSync(path, source);
  return path;
}

/** A two-task workflow module: `greet` then `shout`. */
export function greetModule(name: string): string {
  return `
const greet = task({ id: 'greet' }, async (ctx) => {
  ctx.insert('greeting', 'hello ' + String(ctx.get('name') ?? 'world'));
});
const shout = task({ id: 'shout', dependencies: ['greet'] }, async (ctx) => {
  ctx.insert('loud', String(ctx.get('greeting')).toUpperCase());
});
export const flow = workflow({ name: ${JSON.stringify(name)}, description: 'greets', tasks: [greet, shout] });
`;
}

/** Fetches a path of a daemon's metrics server. */
export async function httpGet(
  port: number,
  path: string,
): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: response.status, body: await response.text() };
}

/** The value of one sample of a Prometheus text exposition (labels matched as a subset). */
export function sample(text: string, metric: string, labels: Record<string, string>): number {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${metric}{`)) continue;
    const matches = Object.entries(labels).every(([key, value]) =>
      line.includes(`${key}="${value}"`),
    );
    if (matches) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}

export { waitFor };
