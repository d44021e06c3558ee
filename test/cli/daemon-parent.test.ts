/**
 * The daemon started by another process, as `npx cloacinactl daemon` starts it: when that
 * process is stopped by SIGTERM and exits without passing the signal on, the orphaned daemon
 * notices and stops as on SIGTERM, instead of running on under PID 1.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freshDatabaseUrl } from '../helpers/backend.js';
import {
  daemonArgs,
  greetModule,
  logLinesWith,
  moduleDir,
  waitFor,
  writeModule,
} from './cli-harness.js';

const repo = join(import.meta.dirname, '../..');

/**
 * A parent like `npm exec`: it starts the command it is given with the same stdout and stderr,
 * and dies on SIGTERM (Node's default) without signalling its child.
 */
const PARENT = `
const [command, ...args] = JSON.parse(process.argv[1]);
require('node:child_process').spawn(command, args, { stdio: 'inherit' });
setInterval(() => {}, 1 << 30);
`;

/** Whether a process of this pid exists. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const orphans: number[] = [];
afterEach(() => {
  for (const pid of orphans.splice(0)) if (alive(pid)) process.kill(pid, 'SIGKILL');
});

describe('cloacinactl daemon under a parent process', () => {
  it('stops gracefully when the process that started it is killed by SIGTERM', async () => {
    const url = freshDatabaseUrl();
    const dir = moduleDir();
    writeModule(dir, 'greet.ts', greetModule('orphan_flow'));
    const daemonCommand = [
      process.execPath,
      '--import',
      'tsx',
      'src/cli/main.ts',
      ...daemonArgs(url, dir),
    ];
    const parent = spawn(process.execPath, ['-e', PARENT, JSON.stringify(daemonCommand)], {
      cwd: repo,
      env: { ...process.env, CLOACINA_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    parent.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    // The daemon holds the pipe too: it closes once the daemon has exited as well.
    const outputClosed = new Promise((done) => parent.stdout.on('close', done));
    const parentExited = new Promise((done) => parent.on('exit', (_code, signal) => done(signal)));

    const [ready] = await waitFor(
      () => {
        const lines = logLinesWith(out, 'daemon ready');
        return lines.length > 0 ? lines : undefined;
      },
      60_000,
      'the daemon to be ready',
    );
    const daemonPid = ready!['pid'] as number;
    orphans.push(daemonPid);
    expect(daemonPid).not.toBe(parent.pid);

    parent.kill('SIGTERM');
    expect(await parentExited).toBe('SIGTERM');
    await waitFor(() => !alive(daemonPid), 20_000, 'the orphaned daemon to exit');
    await outputClosed;
    expect(
      logLinesWith(
        out,
        'the process that started the daemon exited (npx or npm exec stopped by a signal?); stopping as on SIGTERM',
      ),
    ).toEqual([expect.objectContaining({ parentPid: parent.pid })]);
    expect(out).toContain('"msg":"daemon stopped"');
  }, 120_000);
});
