import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ConfigError,
  Context,
  ContextError,
  DefaultRunner,
  InputValidationError,
  ManualClock,
  NotFoundError,
  TimeoutError,
  WorkflowNotFoundError,
  task,
  workflow,
} from '../../src/index.js';
import {
  createRunner,
  freshDatabaseUrl,
  freshSqliteUrl,
  nextEvent,
  stopRunner,
} from '../helpers/backend.js';

const noop = task({ id: 'noop' }, () => undefined);

describe('runner API', () => {
  it('rejects an unknown workflow with WorkflowNotFoundError and writes nothing', async () => {
    const runner = await createRunner();
    runner.register(workflow({ name: 'known', tasks: [noop] }));
    const error = await runner.execute('unknown').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowNotFoundError);
    expect((error as WorkflowNotFoundError).code).toBe('WORKFLOW_NOT_FOUND');
    expect((error as Error).message).toContain("'known'");
    expect(await runner.listExecutions()).toEqual([]);
    await stopRunner(runner);
  });

  it('rejects a context that is not JSON and writes nothing', async () => {
    const runner = await createRunner();
    runner.register(workflow({ name: 'ctx', tasks: [noop] }));
    const notJson = await runner.execute('ctx', { when: new Date() }).catch((e: unknown) => e);
    expect(notJson).toBeInstanceOf(ContextError);
    expect((notJson as ContextError).code).toBe('NOT_JSON');
    expect((notJson as Error).message).toContain('when');
    const notObject = await runner.execute('ctx', [1, 2] as never).catch((e: unknown) => e);
    expect(notObject).toBeInstanceOf(ContextError);
    expect(await runner.listExecutions()).toEqual([]);
    await stopRunner(runner);
  });

  it('validates declared input with zod before anything is written', async () => {
    const runner = await createRunner();
    runner.register(
      workflow({
        name: 'typed',
        tasks: [noop],
        input: z.object({ userId: z.number().int(), email: z.string().email() }),
      }),
    );
    const error = await runner
      .execute('typed', { userId: 'x', email: 'nope' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputValidationError);
    const issues = (error as InputValidationError).issues;
    expect(issues.map((i) => i.path.join('.')).sort()).toEqual(['email', 'userId']);
    expect(await runner.listExecutions()).toEqual([]);
    const ok = await runner.execute('typed', new Context({ userId: 3, email: 'a@b.co' }));
    expect(ok.status).toBe('Completed');
    await stopRunner(runner);
  });

  it('executes a workflow given as an object, checking its input as by name', async () => {
    const runner = await createRunner();
    const seen: unknown[] = [];
    const signup = workflow({
      name: 'signup',
      tasks: [task({ id: 'record' }, (ctx) => void seen.push(ctx.toJSON()))],
      input: z.object({ email: z.string(), plan: z.enum(['free', 'pro']).default('free') }),
    });
    runner.register(signup);
    const done = await runner.execute(signup, { email: 'a@b.co' });
    expect(done).toMatchObject({ status: 'Completed', workflowName: 'signup' });
    // The schema's default is applied, as when executing by name.
    expect(seen).toEqual([{ email: 'a@b.co', plan: 'free' }]);
    const bad = await runner.executeAsync(signup, { email: 7 } as never).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(InputValidationError);
    await runner.definitionsStored();
    const client = await runner.client();
    try {
      const handle = await client.executeAsync(signup, { email: 'c@d.co', plan: 'pro' });
      expect((await handle.wait('20s')).status).toBe('Completed');
      const rejected = await client
        .execute(signup, { plan: 'gold' } as never)
        .catch((e: unknown) => e);
      expect(rejected).toBeInstanceOf(InputValidationError);
    } finally {
      await client.close();
    }
    expect(seen).toEqual([
      { email: 'a@b.co', plan: 'free' },
      { email: 'c@d.co', plan: 'pro' },
    ]);
    await stopRunner(runner);
  });

  it('lists every config problem in one ConfigError', async () => {
    const error = await DefaultRunner.create(freshDatabaseUrl(), {
      maxConcurrentTasks: 0,
      heartbeatInterval: '10s',
      staleClaimThreshold: '5s',
      taskTimeout: '5 parsecs',
      cronMaxCatchupExecutions: 5000,
      nonsense: true,
    } as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect((error as ConfigError).problems.length).toBe(5);
    for (const word of [
      'maxConcurrentTasks',
      'staleClaimThreshold',
      'taskTimeout',
      'cronMaxCatchupExecutions',
      'nonsense',
    ]) {
      expect(problems).toContain(word);
    }
  });

  it('rejects bad URLs and a schema with SQLite with ConfigError naming the accepted forms', async () => {
    for (const url of ['mysql://localhost/db', '', 'sqlite://']) {
      const error = await DefaultRunner.create(url).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toMatch(/sqlite|Accepted forms/);
    }
    const schema = await DefaultRunner.create(freshSqliteUrl(), { schema: 'tenant_a' }).catch(
      (e: unknown) => e,
    );
    expect(schema).toBeInstanceOf(ConfigError);
  });

  it('accepts every SQLite URL form', async () => {
    for (const url of [
      'sqlite::memory:',
      'sqlite://:memory:',
      freshSqliteUrl().slice('sqlite://'.length),
      `${freshSqliteUrl()}?synchronous=normal`,
    ]) {
      const runner = await createRunner({}, url);
      runner.register(workflow({ name: 'w', tasks: [noop] }));
      expect((await runner.execute('w')).status).toBe('Completed');
      await stopRunner(runner);
    }
  });

  it('gives a handle with status, wait and result; lists executions newest first', async () => {
    const runner = await createRunner();
    runner.register(
      workflow({ name: 'h', tasks: [task({ id: 'x' }, (ctx) => void ctx.set('x', 1))] }),
    );
    const first = await runner.executeAsync('h', { n: 1 });
    const firstResult = await first.wait();
    const second = await runner.executeAsync('h', { n: 2 });
    expect(['Pending', 'Running', 'Completed']).toContain(await second.status());
    const secondResult = await second.wait();
    expect(firstResult.status).toBe('Completed');
    expect(secondResult.finalContext.toJSON()).toEqual({ n: 2, x: 1 });
    expect((await second.result()).executionId).toBe(second.executionId);
    expect(await runner.getExecutionStatus(first.executionId)).toBe('Completed');
    const list = await runner.listExecutions({ workflowName: 'h' });
    expect(list.map((r) => r.executionId)).toEqual([second.executionId, first.executionId]);
    expect(await runner.listExecutions({ workflowName: 'h', limit: 1, offset: 1 })).toHaveLength(1);
    expect(await runner.listExecutions({ status: 'Failed' })).toEqual([]);
    const result = await runner.getExecutionResult(first.executionId);
    expect(result.workflowVersion).toMatch(/^[0-9a-f]{16}$/);
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
    await expect(runner.getExecutionStatus('nope')).rejects.toBeInstanceOf(NotFoundError);
    await stopRunner(runner);
  });

  it('rejects execute() with TimeoutError past workflowTimeout while the execution keeps running', async () => {
    const runner = await createRunner({ workflowTimeout: '100ms' });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    runner.register(workflow({ name: 'long', tasks: [task({ id: 'wait' }, () => gate)] }));
    const started = nextEvent(runner, (e) => e.type === 'task_started');
    const error = await runner.execute('long').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    const { executionId } = await started;
    expect(await runner.getExecutionStatus(executionId)).toBe('Running');
    release();
    const done = await runner.waitForExecution(executionId, null);
    expect(done.status).toBe('Completed');
    await stopRunner(runner);
  });

  it('streams events in-process and prunes old ones', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const runner = await createRunner({ clock });
    const types: string[] = [];
    runner.on('event', (e) => types.push(e.type));
    runner.on('event', () => {
      throw new Error('a broken listener never breaks the engine');
    });
    runner.register(workflow({ name: 'ev', tasks: [noop] }));
    const result = await runner.execute('ev');
    expect(result.status).toBe('Completed');
    expect(types).toEqual([
      'task_ready',
      'workflow_started',
      'task_started',
      'task_completed',
      'workflow_completed',
    ]);
    // An execution still running when the cleanup comes keeps its whole history.
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    runner.register(workflow({ name: 'held', tasks: [task({ id: 'wait' }, () => held)] }));
    const started = nextEvent(runner, (e) => e.type === 'task_started');
    const running = await runner.executeAsync('held');
    await started;
    const runningEvents = (await runner.getExecutionEvents(running.executionId)).length;
    expect(runningEvents).toBeGreaterThan(0);

    expect(await runner.cleanupEvents({ olderThan: '1h' })).toBe(0);
    clock.advance(2 * 3_600_000);
    expect(await runner.cleanupEvents({ olderThan: '1h', dryRun: true })).toBe(5);
    expect(await runner.getExecutionEvents(result.executionId)).toHaveLength(5);
    expect(await runner.cleanupEvents({ olderThan: '1h' })).toBe(5);
    expect(await runner.getExecutionEvents(result.executionId)).toEqual([]);
    expect(await runner.getExecutionEvents(running.executionId)).toHaveLength(runningEvents);
    release();
    await running.wait();
    await stopRunner(runner);
  });
});

describe('lifecycle', () => {
  it('shuts the runner down at scope exit with await using', async () => {
    const url = freshDatabaseUrl();
    let executionId = '';
    {
      await using runner = await createRunner({}, url);
      runner.register(workflow({ name: 'scoped', tasks: [noop] }));
      executionId = (await runner.execute('scoped')).executionId;
      expect(runner.isShutdown).toBe(false);
    }
    const again = await createRunner({}, url);
    again.register(workflow({ name: 'scoped', tasks: [noop] }));
    expect(await again.getExecutionStatus(executionId)).toBe('Completed');
    await stopRunner(again);
    await expect(again.executeAsync('scoped')).rejects.toMatchObject({ code: 'SHUTDOWN' });
  });
});
