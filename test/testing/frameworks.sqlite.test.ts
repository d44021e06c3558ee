/**
 * `cloacina/testing` from the built package, in the three test frameworks a project may use:
 * node:test, vitest and jest each run the example test of test/testing/fixtures/frameworks/ (a
 * `*\/5` cron over `advance('1h')` gives 12 executions) in a child process, in a fresh project
 * where `cloacina` is installed from dist/. A framework that cannot load the package, or an
 * example whose assertion fails, exits non-zero and fails the test. SQLite only: the kit's
 * default database is in-memory SQLite.
 */
import { execFile } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '../..');
const fixtures = join(import.meta.dirname, 'fixtures/frameworks');
let project: string;

beforeAll(() => {
  if (!existsSync(join(repo, 'dist/testing/index.js'))) {
    throw new Error(
      'dist/testing/index.js is missing: run `npm run build` (npm install runs it) first.',
    );
  }
  project = mkdtempSync(join(tmpdir(), 'cloacina-frameworks-'));
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
  );
  cpSync(fixtures, project, { recursive: true });
  // Copied, not linked, as an install puts it: under node_modules/, the frameworks treat it as a
  // dependency (vitest does not inline it, jest does not transform it), as they would for a user.
  const modules = join(project, 'node_modules');
  mkdirSync(join(modules, 'cloacina'), { recursive: true });
  cpSync(join(repo, 'package.json'), join(modules, 'cloacina/package.json'));
  cpSync(join(repo, 'dist'), join(modules, 'cloacina/dist'), { recursive: true });
  // Its dependencies and the frameworks themselves come from this checkout: no registry needed.
  for (const name of readdirSync(join(repo, 'node_modules'))) {
    if (name.startsWith('.') || name === 'cloacina') continue;
    symlinkSync(join(repo, 'node_modules', name), join(modules, name));
  }
});

afterAll(() => {
  if (project !== undefined) rmSync(project, { recursive: true, force: true });
});

/** Runs `node ...args` in the project: its output, or an error holding it on a non-zero exit. */
function node(args: readonly string[]): Promise<string> {
  // The child is a test run of its own: it must not take this vitest worker's variables.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('VITEST')),
  );
  return new Promise((done, fail) => {
    execFile(
      process.execPath,
      args,
      { cwd: project, timeout: 60_000, env: { ...env, NO_COLOR: '1', FORCE_COLOR: '0' } },
      (error, stdout, stderr) => {
        const output = `${stdout}\n${stderr}`;
        const exit = error && (error.killed ? `killed after 60 s (${error.signal})` : error.code);
        if (error) fail(new Error(`node ${args.join(' ')} exited with ${exit}:\n${output}`));
        else done(output);
      },
    );
  });
}

describe('cloacina/testing from the built package', () => {
  it('runs under node:test', async () => {
    const output = await node(['--test', 'report.node-test.test.js']);
    expect(output).toMatch(/^# pass 1$/m);
  }, 90_000);

  it('runs under vitest, with its own config in the project', async () => {
    const output = await node([
      'node_modules/vitest/vitest.mjs',
      'run',
      '--root',
      project,
      '--config',
      'vitest.config.js',
    ]);
    expect(output).toMatch(/Tests\s+1 passed/);
  }, 90_000);

  it('runs under jest in its ES module mode: --experimental-vm-modules, no transform', async () => {
    const output = await node([
      '--experimental-vm-modules',
      'node_modules/jest/bin/jest.js',
      '--rootDir',
      project,
      '--config',
      'jest.config.js',
      '--ci',
      // In the project, removed with it, rather than in the shared temporary directory.
      '--cacheDirectory',
      join(project, '.jest-cache'),
    ]);
    expect(output).toMatch(/Tests:\s+1 passed, 1 total/);
  }, 90_000);
});
