/**
 * The package as a consumer gets it: `npm pack` of the built library, unpacked into a fresh
 * project's `node_modules`, then plain Node (no tsx, no bundler) `import`s it and `require`s it
 * and runs a workflow on SQLite, and runs the packed `cloacinactl daemon`. Its dependencies are
 * linked from this checkout's `node_modules`, so the test needs no registry; what it checks is
 * the tarball: its files, its `exports` map, its entry points and its CLI. `tsx`, an optional
 * peer dependency, is left out until the test that installs it.
 */
import { execFile, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait.js';

const run = promisify(execFile);
const repo = resolve(import.meta.dirname, '../..');
let project: string;

beforeAll(async () => {
  if (!existsSync(join(repo, 'dist/index.js'))) {
    throw new Error(
      'dist/ is missing: run `npm run build` (npm install runs it) before this test.',
    );
  }
  project = mkdtempSync(join(tmpdir(), 'cloacina-consumer-'));
  // Packed as published, without running the build again (`prepare`): dist/ is what is tested.
  const { stdout } = await run(
    'npm',
    ['pack', '--ignore-scripts', '--json', '--pack-destination', project],
    { cwd: repo },
  );
  const [packed] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
  const modules = join(project, 'node_modules');
  mkdirSync(join(modules, 'cloacina'), { recursive: true });
  await run('tar', [
    '-xzf',
    join(project, packed!.filename),
    '-C',
    join(modules, 'cloacina'),
    '--strip-components=1',
  ]);
  for (const name of readdirSync(join(repo, 'node_modules'))) {
    if (name.startsWith('.') || name === 'cloacina' || name === 'tsx') continue;
    symlinkSync(join(repo, 'node_modules', name), join(modules, name));
  }
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
}, 120_000);

afterAll(() => {
  if (project !== undefined) rmSync(project, { recursive: true, force: true });
});

/** Runs `source` with plain Node in the consumer project; returns its stdout. */
async function node(file: string, source: string): Promise<string> {
  writeFileSync(join(project, file), source);
  const { stdout } = await run(process.execPath, [file], { cwd: project, timeout: 60_000 });
  return stdout.trim();
}

describe('the packed package', () => {
  it('ships the built library, the CLI, the web UI and the license, and no sources or tests', async () => {
    const { stdout } = await run('tar', [
      '-tzf',
      join(
        project,
        readdirSync(project).find((f) => f.endsWith('.tgz'))!,
      ),
    ]);
    const files = stdout.split('\n').filter(Boolean);
    for (const expected of [
      'package/dist/index.js',
      'package/dist/index.d.ts',
      'package/dist/server/index.js',
      'package/dist/cli/main.js',
      'package/dist/ui/index.html',
      'package/LICENSE',
      'package/README.md',
    ]) {
      expect(files).toContain(expected);
    }
    expect(
      files.filter((f) => f.startsWith('package/src/') || f.startsWith('package/test/')),
    ).toEqual([]);
  });

  it('is imported by plain Node and runs a workflow on SQLite', async () => {
    const out = await node(
      'esm.mjs',
      `import { DefaultRunner, task, workflow } from 'cloacina';
       import { createServer } from 'cloacina/server';
       const runner = await DefaultRunner.create('sqlite://esm.db');
       runner.register(workflow({ name: 'hello', tasks: [task({ id: 'greet' }, (ctx) => ctx.set('hi', 'esm'))] }));
       const result = await runner.execute('hello');
       await runner.shutdown();
       console.log(result.status, result.finalContext.get('hi'), typeof createServer);`,
    );
    expect(out.split('\n').at(-1)).toBe('Completed esm function');
  });

  it('is required by plain Node (require of an ES module, Node 20.19 and later)', async () => {
    const out = await node(
      'cjs.cjs',
      `const { DefaultRunner, task, workflow } = require('cloacina');
       const { version } = require('cloacina/package.json');
       (async () => {
         const runner = await DefaultRunner.create('sqlite://cjs.db');
         runner.register(workflow({ name: 'hello', tasks: [task({ id: 'greet' }, (ctx) => ctx.set('hi', 'cjs'))] }));
         const result = await runner.execute('hello');
         await runner.shutdown();
         console.log(result.status, result.finalContext.get('hi'), version);
       })();`,
    );
    expect(out.split('\n').at(-1)).toMatch(/^Completed cjs \d+\.\d+\.\d+/);
  });

  it('ships a CLI that prints the version of the package it is in', async () => {
    const { version } = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as {
      version: string;
    };
    const { stdout } = await run(
      process.execPath,
      [join(project, 'node_modules/cloacina/dist/cli/main.js'), '--version'],
      { cwd: project, timeout: 60_000 },
    );
    expect(stdout).toBe(`${version}\n`);
  });
});

/** A daemon of the packed CLI, run by plain Node in the consumer project. */
interface PackedDaemon {
  stdout(): string;
  stderr(): string;
  readonly exited: Promise<number | string>;
  kill(signal: NodeJS.Signals): void;
}

function packedDaemon(args: readonly string[], env: Record<string, string> = {}): PackedDaemon {
  const child = spawn(
    process.execPath,
    ['node_modules/cloacina/dist/cli/main.js', '--db', 'sqlite://daemon.db', 'daemon', ...args],
    { cwd: project, env: { ...process.env, CLOACINA_LOG_LEVEL: 'info', ...env } },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | string>((done) =>
    child.on('exit', (code, signal) => done(code ?? signal ?? -1)),
  );
  return { stdout: () => out, stderr: () => err, exited, kill: (signal) => child.kill(signal) };
}

/** Waits for the ready line of `daemon` and returns it. */
async function ready(daemon: PackedDaemon): Promise<{ workflows: string[]; failed: string[] }> {
  let exited: number | string | undefined;
  void daemon.exited.then((code) => (exited = code));
  const line = await waitFor(
    () => {
      if (exited !== undefined) {
        throw new Error(`daemon exited ${exited}: ${daemon.stderr()}${daemon.stdout()}`);
      }
      return daemon
        .stdout()
        .split('\n')
        .find((l) => l.includes('"msg":"daemon ready"'));
    },
    60_000,
    'the daemon to be ready',
  );
  return JSON.parse(line) as { workflows: string[]; failed: string[] };
}

describe('the packed cloacinactl daemon', () => {
  it('loads JavaScript modules without tsx, and asks for tsx by name for a TypeScript module', async () => {
    // Outside the consumer project: 'cloacina' resolves only because the daemon maps it.
    const dir = mkdtempSync(join(tmpdir(), 'cloacina-packed-modules-'));
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }');
    writeFileSync(
      join(dir, 'plain.mjs'),
      `import { task, workflow } from 'cloacina';
       export const flow = workflow({ name: 'plain_flow', tasks: [task({ id: 't' }, () => {})] });`,
    );
    writeFileSync(join(dir, 'typed.ts'), 'export const answer: number = 42;\n');

    const strict = packedDaemon(['--dir', dir, '--strict']);
    expect(await strict.exited).toBe(1);
    expect(strict.stderr()).toContain(
      'TSX_MISSING: typed.ts is TypeScript: install tsx to load TypeScript modules: npm install tsx',
    );

    const lenient = packedDaemon(['--dir', dir]);
    const line = await ready(lenient);
    expect(line.workflows).toEqual(['plain_flow']);
    expect(line.failed).toEqual(['typed.ts']);
    lenient.kill('SIGTERM');
    expect(await lenient.exited).toBe(0);
    rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it("runs examples/daemon once tsx is installed: its `cloacina` is the daemon's own copy", async () => {
    symlinkSync(join(repo, 'node_modules', 'tsx'), join(project, 'node_modules', 'tsx'));
    const inbox = join(project, 'inbox');
    const daemon = packedDaemon(['--dir', join(repo, 'examples/daemon'), '--strict'], {
      INBOX_DIR: inbox,
    });
    const line = await ready(daemon);
    expect(line.workflows).toEqual(['file_processing']);
    expect(daemon.stdout()).not.toContain('another copy');

    // The example's trigger fires for a dropped file and its workflow moves the file away.
    writeFileSync(join(inbox, 'report.csv'), 'hello\n');
    const moved = await waitFor(
      () => readdirSync(`${inbox}-processed`).find((name) => name.endsWith('-report.csv')),
      60_000,
      'the dropped file to be processed',
    );
    expect(readFileSync(join(`${inbox}-processed`, moved), 'utf8')).toBe('hello\n');
    daemon.kill('SIGTERM');
    expect(await daemon.exited).toBe(0);
  }, 120_000);
});
