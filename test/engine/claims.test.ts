import { describe, expect, it } from 'vitest';
import { Client, task, workflow } from '../../src/index.js';
import { openStore } from '../../src/store/open.js';
import { createRunner, freshDatabaseUrl, nextEvent, stopRunner } from '../helpers/backend.js';

describe('claims, heartbeats and hand-over', () => {
  it('aborts a task whose claim was taken away, and refuses its late write', async () => {
    const url = freshDatabaseUrl();
    const runner = await createRunner(
      { heartbeatInterval: '50ms', staleClaimThreshold: '10s', enableRecovery: false },
      url,
    );
    let abortReason: unknown;
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const victim = task({ id: 'victim' }, async (_ctx, handle) => {
      await new Promise<void>((resolve) =>
        handle.signal.addEventListener('abort', () => resolve()),
      );
      abortReason = handle.signal.reason;
      finish();
    });
    runner.register(workflow({ name: 'steal', tasks: [victim] }));
    const started = nextEvent(runner, (e) => e.type === 'task_started');
    const handle = await runner.executeAsync('steal');
    await started;

    // Another party sweeps the claim as if this runner were silent, and claims the task itself.
    const store = await openStore(url);
    // The sweep makes the task Ready only from a minute ahead, so the old holder (living in the
    // present) cannot re-claim it before the thief, who claims at that future instant.
    const future = Date.now() + 60_000;
    const swept = await store.sweepStaleClaims({
      nowMs: future,
      staleBeforeMs: future,
      maxRecoveryAttempts: 3,
      runnerId: 'thief',
    });
    // SKIP LOCKED passes over a row the old holder's heartbeat locks at that very moment: retry.
    let stolen: Awaited<ReturnType<typeof store.claimReadyTasks>>['tasks'][number] | undefined;
    for (let i = 0; i < 100 && stolen === undefined; i += 1) {
      [stolen] = (
        await store.claimReadyTasks({
          runnerId: 'thief',
          limit: 1,
          nowMs: future,
          workflowNames: ['steal'],
        })
      ).tasks;
      if (stolen === undefined) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(swept.recovered).toBe(1);
    expect(stolen?.taskId).toBe('victim');

    await finished;
    expect(String(abortReason)).toMatch(/lost its claim/);
    // The old holder's write is refused by the claim guard.
    const [tasks] = [await store.getTasks(handle.executionId)];
    expect(tasks[0]!.status).toBe('Running');
    expect(tasks[0]!.claimedBy).toBe('thief');
    const late = await store.completeTasks({
      completions: [
        {
          executionId: handle.executionId,
          taskExecutionId: stolen!.taskExecutionId,
          claimId: 'not-the-thief-claim',
          output: {},
        },
      ],
      nowMs: Date.now(),
      runnerId: runner.runnerId,
    });
    expect(late).toEqual({ held: [false], claimed: [], moreReady: false });
    // The thief holds the real claim and completes; exactly one completion is recorded.
    expect(
      await store.completeTasks({
        completions: [{ ...stolen!, output: { by: 'thief' } }],
        nowMs: Date.now(),
        runnerId: 'thief',
      }),
    ).toEqual({ held: [true], claimed: [], moreReady: false });
    const result = await handle.wait();
    expect(result.status).toBe('Completed');
    expect(result.finalContext.get('by')).toBe('thief');
    const events = await runner.getExecutionEvents(handle.executionId);
    expect(events.filter((e) => e.type === 'task_completed')).toHaveLength(1);
    await store.close();
    await stopRunner(runner);
  });

  it('sweeps stale claims back to Ready, then abandons past maxRecoveryAttempts', async () => {
    const url = freshDatabaseUrl();
    // A runner stores the definition and stops; a client without the code schedules it, so no
    // runner executes the task and only the "ghost" below ever claims it.
    const runner = await createRunner({ enableRecovery: false }, url);
    runner.register(workflow({ name: 'ghosted', tasks: [task({ id: 'g' }, () => undefined)] }));
    await stopRunner(runner);
    const client = await Client.connect(url);
    const handle = await client.executeAsync('ghosted');
    await client.close();
    const store = await openStore(url);
    const now = Date.now();
    await store.claimReadyTasks({
      runnerId: 'ghost',
      limit: 1,
      nowMs: now,
      workflowNames: ['ghosted'],
    });
    const first = await store.sweepStaleClaims({
      nowMs: now + 1000,
      staleBeforeMs: now + 500,
      maxRecoveryAttempts: 1,
      runnerId: 'sweeper',
    });
    expect(first).toEqual({ recovered: 1, abandoned: 0 });
    await store.claimReadyTasks({
      runnerId: 'ghost',
      limit: 1,
      nowMs: now + 1000,
      workflowNames: ['ghosted'],
    });
    const second = await store.sweepStaleClaims({
      nowMs: now + 3000,
      staleBeforeMs: now + 2500,
      maxRecoveryAttempts: 1,
      runnerId: 'sweeper',
    });
    expect(second).toEqual({ recovered: 0, abandoned: 1 });
    const [abandoned] = await store.getTasks(handle.executionId);
    expect(abandoned!.status).toBe('Failed');
    expect(abandoned!.errorMessage).toMatch(/^ABANDONED: /);
    const execution = await store.getExecution(handle.executionId);
    expect(execution?.status).toBe('Failed');
    const events = await store.getEvents(handle.executionId);
    expect(events.map((e) => e.type)).toContain('task_abandoned');
    // Terminal tasks are never touched.
    const third = await store.sweepStaleClaims({
      nowMs: now + 9e9,
      staleBeforeMs: now + 9e9,
      maxRecoveryAttempts: 1,
      runnerId: 'sweeper',
    });
    expect(third).toEqual({ recovered: 0, abandoned: 0 });
    await store.close();
  });

  it('hands a running task over on graceful shutdown; another runner takes it at once', async () => {
    const url = freshDatabaseUrl();
    const attempts: string[] = [];
    const slow = (who: string) =>
      task({ id: 'slow' }, async (_ctx, handle) => {
        attempts.push(who);
        if (who === 'a') {
          await new Promise<void>((resolve) =>
            handle.signal.addEventListener('abort', () => resolve()),
          );
        }
      });
    const a = await createRunner({ staleClaimThreshold: '1h' }, url);
    a.register(workflow({ name: 'handover', tasks: [slow('a')] }));
    const started = nextEvent(a, (e) => e.type === 'task_started');
    const handle = await a.executeAsync('handover');
    await started;
    await stopRunner(a, { graceful: true, timeout: '100ms' });
    await stopRunner(a); // idempotent

    const b = await createRunner({ staleClaimThreshold: '1h' }, url);
    b.register(workflow({ name: 'handover', tasks: [slow('b')] }));
    const result = await b.waitForExecution(handle.executionId, '10s');
    expect(result.status).toBe('Completed');
    expect(attempts).toEqual(['a', 'b']);
    const types = (await b.getExecutionEvents(handle.executionId)).map((e) => e.type);
    expect(types).toContain('task_released');
    expect(types.filter((t) => t === 'task_completed')).toHaveLength(1);
    await stopRunner(b);
  });

  it('lets a running task finish within the graceful timeout', async () => {
    const url = freshDatabaseUrl();
    const runner = await createRunner({}, url);
    let finished = false;
    runner.register(
      workflow({
        name: 'finish_first',
        tasks: [
          task({ id: 'short' }, async () => {
            await new Promise((resolve) => setTimeout(resolve, 150));
            finished = true;
          }),
        ],
      }),
    );
    const started = nextEvent(runner, (e) => e.type === 'task_started');
    const handle = await runner.executeAsync('finish_first');
    await started;
    await stopRunner(runner, { timeout: '5s' });
    expect(finished).toBe(true);
    const store = await openStore(url);
    expect((await store.getExecution(handle.executionId))?.status).toBe('Completed');
    await store.close();
  });

  it('shares work between two runners in one process with no task run twice', async () => {
    const url = freshDatabaseUrl();
    const ran: string[] = [];
    const make = () =>
      workflow({
        name: 'shared',
        tasks: [
          task({ id: 'a' }, async (_c, h) => {
            ran.push(`${h.executionId}:a`);
            await new Promise((resolve) => setTimeout(resolve, 5));
          }),
          task({ id: 'b', dependencies: ['a'] }, (_c, h) => void ran.push(`${h.executionId}:b`)),
        ],
      });
    const one = await createRunner({ maxConcurrentTasks: 2 }, url);
    const two = await createRunner({ maxConcurrentTasks: 2 }, url);
    one.register(make());
    two.register(make());
    const byRunner = new Map<string, number>();
    for (const r of [one, two]) {
      r.on('event', (e) => {
        if (e.type === 'task_started')
          byRunner.set(r.runnerId, (byRunner.get(r.runnerId) ?? 0) + 1);
      });
    }
    const handles = await Promise.all(
      Array.from({ length: 60 }, (_, i) => (i % 2 === 0 ? one : two).executeAsync('shared')),
    );
    const results = await Promise.all(handles.map((h) => h.wait('20s')));
    expect(results.every((r) => r.status === 'Completed')).toBe(true);
    expect(ran).toHaveLength(120);
    expect(new Set(ran).size).toBe(120);
    expect(byRunner.size).toBe(2);
    await stopRunner(one);
    await stopRunner(two);
  });
});
