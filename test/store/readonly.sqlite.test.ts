/**
 * A SQLite file this process may not write. Root writes any file whatever its mode, so the
 * database is opened by a child process running as `nobody` when the tests run as root (and as
 * the current user otherwise): for that process a mode-0444 file is really read-only.
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { task, workflow } from '../../src/index.js';
import { createRunner, stopRunner } from '../helpers/backend.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const fixture = fileURLToPath(new URL('./fixtures/open-child.ts', import.meta.url));
const folders: string[] = [];
afterAll(() => {
  for (const folder of folders) {
    chmodSync(folder, 0o755);
    rmSync(folder, { recursive: true, force: true });
  }
});

type Outcome = 'ok' | { name: string; code: string; message: string };
interface Report {
  runner: Outcome;
  execute?: Outcome;
  client: Outcome;
}

/** A migrated database holding one execution, with the given modes on its folder and file. */
async function database(folderMode: number, fileMode: number): Promise<string> {
  const folder = mkdtempSync(join(tmpdir(), 'cloacina-readonly-'));
  folders.push(folder);
  const path = join(folder, 'app.db');
  const runner = await createRunner({}, `sqlite://${path}`);
  runner.register(workflow({ name: 'seed', tasks: [task({ id: 'a' }, () => undefined)] }));
  await runner.execute('seed');
  await stopRunner(runner);
  chmodSync(path, fileMode);
  chmodSync(folder, folderMode);
  return path;
}

/** Opens `path` in a child process that cannot write what its modes forbid. */
function openAsAnotherUser(path: string): Promise<Report> {
  const user = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', fixture, `sqlite://${path}`],
      { cwd: root, timeout: 30_000, ...user },
      (error, stdout, stderr) => {
        if (error !== null) reject(new Error(`${error.message}\n${stderr}`));
        else resolve(JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Report);
      },
    );
  });
}

function expectReadOnlyError(outcome: Outcome | undefined, path: string): void {
  expect(outcome).not.toBe('ok');
  const error = outcome as Exclude<Outcome, 'ok'>;
  expect(error.name).toBe('DatabaseError');
  expect(error.code).toBe('DATABASE');
  expect(error.message).toContain(`'${path}'`);
  expect(error.message).toContain('read-only');
  expect(error.message).toContain('writable');
}

describe('a SQLite database this process cannot write', () => {
  it('opens and runs when the file and folder are writable (the set-up itself works)', async () => {
    const path = await database(0o777, 0o666);
    expect(await openAsAnotherUser(path)).toEqual({ runner: 'ok', execute: 'ok', client: 'ok' });
  });

  it('fails at create and at connect, naming the path, when the file is read-only', async () => {
    const path = await database(0o777, 0o444);
    const report = await openAsAnotherUser(path);
    // Before the check, the runner started and failed only at its first write.
    expect(report.execute).toBeUndefined();
    expectReadOnlyError(report.runner, path);
    expectReadOnlyError(report.client, path);
  });

  it('fails the same way when the folder is read-only too (no room for the WAL files)', async () => {
    const path = await database(0o555, 0o444);
    const report = await openAsAnotherUser(path);
    expect(report.execute).toBeUndefined();
    expectReadOnlyError(report.runner, path);
    expectReadOnlyError(report.client, path);
  });
});
