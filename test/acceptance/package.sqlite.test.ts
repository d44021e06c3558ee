/**
 * The package as a consumer gets it: `npm pack` of the built library, unpacked into a fresh
 * project's `node_modules`, then plain Node (no tsx, no bundler) `import`s it and `require`s it
 * and runs a workflow on SQLite. Its dependencies are linked from this checkout's
 * `node_modules`, so the test needs no registry; what it checks is the tarball: its files, its
 * `exports` map and its entry points.
 */
import { execFile } from 'node:child_process';
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
    if (name.startsWith('.') || name === 'cloacina') continue;
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
