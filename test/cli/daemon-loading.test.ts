/**
 * How the daemon loads the modules of its folder, through the real binary: TypeScript modules
 * whatever the folder's package type, one copy of the library, a load timeout, `--strict`, a
 * stop during a load that never ends, and symbolic links leading out of the folder.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { freshDatabaseUrl } from '../helpers/backend.js';
import {
  cli,
  greetModule,
  logLinesWith,
  moduleDir,
  ok,
  spawnDaemon,
  startDaemon,
  waitFor,
  writeModule,
} from './cli-harness.js';

const repo = join(import.meta.dirname, '../..');

/** A module whose top-level await never settles; it says so first, so a test can wait for it. */
const WEDGED = "console.log('wedged module evaluating');\nawait new Promise(() => {});\n";

/** The `module failed to load` log lines of a daemon's output: module → code. */
function failedModules(stdout: string): Record<string, unknown> {
  return Object.fromEntries(
    logLinesWith(stdout, 'module failed to load; fix it and save it again').map(
      (line): [string, unknown] => [String(line['module']), line['code']],
    ),
  );
}

describe('cloacinactl daemon: loading modules', () => {
  it.each([
    ['without "type"', '{}'],
    ['with "type": "commonjs"', '{ "type": "commonjs" }'],
  ])(
    'loads and runs a .ts module under a package.json %s',
    async (_label, packageJson) => {
      const url = freshDatabaseUrl();
      const dir = moduleDir(packageJson);
      writeModule(dir, 'greet.ts', greetModule('cjs_folder_flow'));
      const daemon = await startDaemon(url, dir, ['--strict']);
      expect(daemon.ready.workflows).toEqual(['cjs_folder_flow']);
      const out = await ok(url, ['run', 'cjs_folder_flow', '--context', '{"name":"ts"}', '--wait']);
      expect(out).toMatch(/status:\s+Completed/);
      expect(out).toContain('"loud": "HELLO TS"');
      expect(await daemon.stop()).toBe(0);
    },
    240_000,
  );

  it('gives up on a module that does not load within --load-timeout and loads the next; --strict refuses to start', async () => {
    const url = freshDatabaseUrl();
    const dir = moduleDir();
    writeFileSync(join(dir, 'a-wedged.mjs'), WEDGED);
    writeModule(dir, 'b-after.ts', greetModule('after_flow'));
    const daemon = await startDaemon(url, dir, ['--load-timeout', '1s']);
    expect(daemon.ready.workflows).toEqual(['after_flow']);
    expect(daemon.ready.failed).toEqual(['a-wedged.mjs']);
    expect(failedModules(daemon.child.stdout())).toEqual({ 'a-wedged.mjs': 'MODULE_LOAD_TIMEOUT' });
    const health = await fetch(`http://127.0.0.1:${daemon.metricsPort}/healthz`);
    expect(health.status).toBe(200);
    expect(await ok(url, ['run', 'after_flow', '--wait'])).toMatch(/status:\s+Completed/);
    expect(await daemon.stop()).toBe(0);

    const strict = await cli(url, ['daemon', '--dir', dir, '--strict', '--load-timeout', '500ms']);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(/^cloacinactl: MODULES_FAILED: 1 module\(s\) of .* --strict/);
    expect(strict.stderr).toContain('MODULE_LOAD_TIMEOUT: a-wedged.mjs did not finish loading');
    expect(strict.stdout).not.toContain('"msg":"daemon ready"');

    // A bad flag is a usage mistake: exit 2.
    const zero = await cli(url, ['daemon', '--dir', dir, '--load-timeout', '0s']);
    expect(zero.code).toBe(2);
    expect(zero.stderr).toContain("--load-timeout must be longer than 0, e.g. 30s; received '0s'");
  }, 240_000);

  it('stops at once on SIGTERM while a module never finishes loading', async () => {
    const url = freshDatabaseUrl();
    const dir = moduleDir();
    writeFileSync(join(dir, 'wedged.mjs'), WEDGED);
    // The default --load-timeout (30s) is far longer than the stop may take.
    const child = spawnDaemon(url, dir);
    await waitFor(
      () => child.stdout().includes('wedged module evaluating'),
      60_000,
      'the wedged module to start loading',
    );
    const signalled = Date.now();
    child.process.kill('SIGTERM');
    expect(await child.exited).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(10_000);
    expect(child.stdout()).not.toContain('"msg":"daemon ready"');
    expect(logLinesWith(child.stdout(), 'module load abandoned: the daemon is stopping')).toEqual([
      expect.objectContaining({ module: 'wedged.mjs', code: 'MODULE_LOAD_ABANDONED' }),
    ]);
    expect(child.stdout()).toContain('"msg":"daemon stopped"');
  }, 120_000);

  it('refuses a workflow of another copy of the library, and warns when nothing is registered', async () => {
    const url = freshDatabaseUrl();
    const dir = moduleDir();
    // A second copy of the library, as a second install would be: its own Workflow class. It
    // sits in the checkout so that its own imports find the checkout's node_modules.
    mkdirSync(join(repo, '.tmp'), { recursive: true });
    const copy = mkdtempSync(join(repo, '.tmp', 'second-copy-'));
    onTestFinished(() => rmSync(copy, { recursive: true, force: true }));
    cpSync(join(repo, 'src'), join(copy, 'src'), { recursive: true });
    writeFileSync(
      join(dir, 'foreign.ts'),
      `import { task, workflow } from ${JSON.stringify(join(copy, 'src/index.ts'))};\n` +
        "export const flow = workflow({ name: 'foreign_flow', tasks: [task({ id: 't' }, () => {})] });\n",
    );
    const daemon = await startDaemon(url, dir);
    expect(daemon.ready.workflows).toEqual([]);
    expect(daemon.ready.failed).toEqual(['foreign.ts']);
    const [failure] = logLinesWith(
      daemon.child.stdout(),
      'module failed to load; fix it and save it again',
    );
    expect(failure).toMatchObject({ module: 'foreign.ts', code: 'FOREIGN_LIBRARY' });
    expect(failure?.['err']).toContain('the exports flow are workflows of another copy');
    expect(failure?.['err']).toContain("from 'cloacina'");
    expect(daemon.child.stdout()).toContain(
      '"msg":"no workflow registered: this daemon runs nothing',
    );
    expect(await daemon.stop()).toBe(0);
  }, 240_000);

  it('refuses a symbolic link leading out of --dir unless --follow-symlinks; a link inside is loaded', async () => {
    const url = freshDatabaseUrl();
    const dir = moduleDir();
    const elsewhere = mkdtempSync(join(tmpdir(), 'cloacina-elsewhere-'));
    writeFileSync(join(elsewhere, 'package.json'), '{ "type": "module" }\n');
    const target = writeModule(elsewhere, 'outside.ts', greetModule('outside_flow'));
    symlinkSync(target, join(dir, 'linked.ts'));
    mkdirSync(join(dir, 'lib'));
    writeModule(join(dir, 'lib'), 'inside.ts', greetModule('inside_flow'));
    symlinkSync(join('lib', 'inside.ts'), join(dir, 'alias.ts'));

    const daemon = await startDaemon(url, dir);
    expect(daemon.ready.workflows).toEqual(['inside_flow']);
    expect(daemon.ready.failed).toEqual(['linked.ts']);
    const [refused] = logLinesWith(
      daemon.child.stdout(),
      'module failed to load; fix it and save it again',
    );
    expect(refused).toMatchObject({ module: 'linked.ts', code: 'SYMLINK_OUTSIDE_DIR' });
    expect(refused?.['err']).toContain(`linked.ts is a symbolic link to ${target}, outside --dir`);
    expect(await daemon.stop()).toBe(0);

    const strict = await cli(url, ['daemon', '--dir', dir, '--strict']);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toContain('MODULES_FAILED');
    expect(strict.stderr).toContain('SYMLINK_OUTSIDE_DIR: linked.ts is a symbolic link');

    const trusting = await startDaemon(url, dir, ['--follow-symlinks', '--strict']);
    expect([...trusting.ready.workflows].sort()).toEqual(['inside_flow', 'outside_flow']);
    expect(await trusting.stop()).toBe(0);
  }, 240_000);
});
