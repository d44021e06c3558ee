/** The workflow of the multi-process rate limit test, shared by the test and its children. */
import { task, workflow, type Workflow } from '../../src/index.js';

/** Starts per window of each key. */
export const RATE_LIMIT = 5;
/** The window, in milliseconds. */
export const RATE_PERIOD_MS = 400;

/**
 * `rated-per-key`: one short task; at most {@link RATE_LIMIT} executions per `key` of the
 * initial context start in any {@link RATE_PERIOD_MS}. `onStart` receives the execution's `n`
 * and the wall-clock time its body began.
 */
export function ratedPerKey(onStart: (n: number, at: number) => void = () => undefined): Workflow {
  return workflow({
    name: 'rated-per-key',
    rateLimit: {
      limit: RATE_LIMIT,
      period: RATE_PERIOD_MS,
      key: (ctx) => ctx['key'] as string,
    },
    tasks: [
      task({ id: 'work' }, (ctx) => {
        onStart(ctx.get('n') as number, Date.now());
      }),
    ],
  });
}
