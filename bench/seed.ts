/**
 * A large execution history, seeded through the public path a producer would use:
 * `runner.executeAsync` from many concurrent callers (the runner writes the calls of one turn in
 * one transaction), and the runner executes them, so every row went through its real status
 * changes. Of every 20 executions, 12 are of workflow `orders`, 6 of `reports` (both complete)
 * and 2 of `audits`, whose task fails: 90 % Completed, 10 % Failed, none Cancelled.
 */
import { performance } from 'node:perf_hooks';
import {
  DatabaseError,
  task,
  TaskError,
  workflow,
  type DefaultRunner,
  type RunnerEvent,
} from '../src/index.js';

/** The error of every `audits` execution's task. */
export const AUDIT_ERROR = 'audit refused';

/**
 * `executeAsync`, tried again after a transient database error, as a producer would: the
 * PostgreSQL server this runs against may be shared with test suites that restart it.
 */
async function submit(runner: DefaultRunner, name: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await runner.executeAsync(name);
      return;
    } catch (error) {
      if (!(error instanceof DatabaseError && error.retryable) || attempt === 20) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

/** Registers `orders`, `reports` and `audits` in `runner` (one task each, `step`). */
export function registerSeedWorkflows(runner: DefaultRunner): void {
  const noop = (): void => undefined;
  runner.register(workflow({ name: 'orders', tasks: [task({ id: 'step' }, noop)] }));
  runner.register(workflow({ name: 'reports', tasks: [task({ id: 'step' }, noop)] }));
  runner.register(
    workflow({
      name: 'audits',
      tasks: [
        task({ id: 'step' }, () => {
          throw new TaskError(AUDIT_ERROR, { retryable: false });
        }),
      ],
    }),
  );
}

/**
 * Schedules `count` executions of the workflows of {@link registerSeedWorkflows} (registered
 * first) from concurrent callers, keeping at most 4,000 unfinished, and resolves once all have
 * ended; returns the time it took in ms.
 */
export async function seedExecutions(runner: DefaultRunner, count: number): Promise<number> {
  let finished = 0;
  let wake: (() => void) | undefined;
  const listener = (event: RunnerEvent): void => {
    if (event.type === 'workflow_completed' || event.type === 'workflow_failed') {
      finished += 1;
      wake?.();
    }
  };
  runner.on('event', listener);
  const started = performance.now();
  const batch = 500;
  const window = 4_000;
  for (let scheduled = 0; scheduled < count;) {
    while (scheduled - finished >= window) await new Promise<void>((r) => (wake = r));
    const n = Math.min(batch, count - scheduled);
    await Promise.all(
      Array.from({ length: n }, (_, i) => {
        const k = (scheduled + i) % 20;
        return submit(runner, k < 12 ? 'orders' : k < 18 ? 'reports' : 'audits');
      }),
    );
    scheduled += n;
  }
  while (finished < count) await new Promise<void>((r) => (wake = r));
  runner.off('event', listener);
  return performance.now() - started;
}
