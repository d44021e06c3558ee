/**
 * A workload held at a gate: executions of a one-task workflow whose bodies start, count their
 * runs and wait until the test opens the gate. Tests of faults while tasks finish use it to put
 * every body in flight, break the database, and only then let the bodies end.
 */
import {
  task,
  workflow,
  type DefaultRunner,
  type WorkflowExecutionHandle,
} from '../../src/index.js';
import { waitFor } from './wait.js';

/** What {@link gatedWorkload} started. */
export interface GatedWorkload {
  /** How many times each execution's body ran, by execution id. */
  readonly runs: ReadonlyMap<string, number>;
  readonly handles: readonly WorkflowExecutionHandle[];
  /** Lets every waiting body finish. */
  readonly release: () => void;
}

/**
 * Registers workflow `name` (one task, `work`) in `runner`, starts `count` executions and
 * resolves once every body is running, held at the gate.
 */
export async function gatedWorkload(
  runner: DefaultRunner,
  name: string,
  count: number,
): Promise<GatedWorkload> {
  const runs = new Map<string, number>();
  let release = (): void => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const work = task({ id: 'work' }, async (ctx, handle) => {
    runs.set(handle.executionId, (runs.get(handle.executionId) ?? 0) + 1);
    await gate;
    ctx.set('done', true);
  });
  runner.register(workflow({ name, tasks: [work] }));
  const handles = await Promise.all(Array.from({ length: count }, () => runner.executeAsync(name)));
  await waitFor(() => runs.size === count, 10_000, 'every body to start');
  return { runs, handles, release };
}

/** A task body held at its own gate, and whether it has started. */
export interface Gate {
  /** The body: notes that it started, then waits for {@link Gate.open}. */
  readonly body: () => Promise<void>;
  readonly entered: () => boolean;
  /** Lets the body finish. */
  readonly open: () => void;
}

/** A task body that ends when the test says so, and says when it began. */
export function gate(): Gate {
  let open!: () => void;
  let entered = false;
  const passed = new Promise<void>((resolve) => {
    open = resolve;
  });
  return {
    open,
    body: () => {
      entered = true;
      return passed;
    },
    entered: () => entered,
  };
}
