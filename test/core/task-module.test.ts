/** Module tasks: a body named by module and export, the form a thread task needs. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Context } from '../../src/core/context.js';
import { resolveRunnerConfig } from '../../src/core/options.js';
import { task, type TaskHandle } from '../../src/core/task.js';
import { workflow } from '../../src/core/workflow.js';
import { ConfigError, TaskError, WorkflowValidationError } from '../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'cloacina-task-module-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A module file with `text`, as a URL. */
function moduleFile(name: string, text: string): URL {
  const path = join(dir, name);
  writeFileSync(path, text);
  return pathToFileURL(path);
}

const body = moduleFile(
  'body.mjs',
  "export function run(ctx) { ctx.set('ran', true); }\nexport const value = 1;\n",
);

function problem(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(WorkflowValidationError);
    expect((error as WorkflowValidationError).code).toBe('INVALID_TASK');
    return (error as Error).message;
  }
  throw new Error('expected a WorkflowValidationError, nothing was thrown');
}

describe('module tasks', () => {
  it('takes a URL or an absolute path, and the export (default: default)', () => {
    const byUrl = task({ id: 'a', module: body, export: 'run', isolate: 'thread' });
    expect(byUrl.module).toMatchObject({ url: body.href, export: 'run' });
    expect(byUrl.isolate).toBe('thread');
    const byPath = task({ id: 'b', module: join(dir, 'body.mjs') });
    expect(byPath.module).toMatchObject({ url: body.href, export: 'default' });
    expect(byPath.isolate).toBeUndefined();
  });

  it('runs the export in process when its body is called directly', async () => {
    const t = task({ id: 'a', module: body, export: 'run' });
    const ctx = new Context();
    await t.fn(ctx, {} as TaskHandle);
    expect(ctx.get('ran')).toBe(true);
    const wrong = task({ id: 'b', module: body, export: 'value' });
    const error: unknown = await Promise.resolve(wrong.fn(ctx, {} as TaskHandle)).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TaskError);
    expect((error as TaskError).retryable).toBe(false);
  });

  it('refuses a closure in a thread, relative paths, missing files and mixed forms', () => {
    expect(problem(() => task({ id: 'a', isolate: 'thread' }, () => undefined))).toMatch(
      /a function cannot run in a thread/,
    );
    expect(problem(() => task({ id: 'a', module: './heavy.js' }))).toMatch(
      /module must be a URL or an absolute path/,
    );
    expect(problem(() => task({ id: 'a', module: join(dir, 'missing.mjs') }))).toMatch(
      /cannot be read/,
    );
    expect(problem(() => task({ id: 'a', module: body }, () => undefined))).toMatch(
      /both a function and a module/,
    );
    expect(problem(() => task({ id: 'a', export: 'run' }, () => undefined))).toMatch(
      /export is given without module/,
    );
    expect(problem(() => task({ id: 'a', module: body, isolate: 'process' as 'thread' }))).toMatch(
      /isolate must be 'none' or 'thread'/,
    );
    expect(problem(() => task({ id: 'a' }))).toMatch(/needs a function/);
  });

  it("versions a module task by its module's text and export, not its path or isolation", () => {
    const copy = moduleFile(
      'copy.mjs',
      "export function run(ctx) { ctx.set('ran', true); }\nexport const value = 1;\n",
    );
    const other = moduleFile('other.mjs', 'export function run() {}\n');
    const version = (module: URL, exportName = 'run', isolate?: 'thread') =>
      workflow({ name: 'w', tasks: [task({ id: 't', module, export: exportName, isolate })] })
        .version;
    expect(version(copy)).toBe(version(body));
    expect(version(body, 'run', 'thread')).toBe(version(body));
    expect(version(other)).not.toBe(version(body));
    expect(version(body, 'value')).not.toBe(version(body));
  });

  it("takes the runner's defaultTaskIsolation, 'none' unless set", () => {
    expect(resolveRunnerConfig({}).defaultTaskIsolation).toBe('none');
    expect(resolveRunnerConfig({ defaultTaskIsolation: 'thread' }).defaultTaskIsolation).toBe(
      'thread',
    );
    expect(() => resolveRunnerConfig({ defaultTaskIsolation: 'process' })).toThrow(ConfigError);
  });
});
