/** The workflow of the multi-process task-limit tests, shared by the tests and their children. */
import { task, workflow, type Workflow } from '../../src/index.js';

/**
 * `rate-limited`: `prepare`, then `call`, at most `limit` attempts of which run at once across
 * all runners; `call` takes `bodyMs`. `onStart` and `onEnd` receive the execution's `n` and
 * wall-clock times (ms).
 */
export function rateLimited(
  limit: number,
  bodyMs: number,
  onEnd: (n: number, start: number, end: number) => void = () => undefined,
  onStart: (n: number, start: number) => void = () => undefined,
): Workflow {
  return workflow({
    name: 'rate-limited',
    tasks: [
      task({ id: 'prepare' }, () => undefined),
      task({ id: 'call', dependencies: ['prepare'], concurrency: { limit } }, async (ctx) => {
        const n = ctx.get('n') as number;
        const start = Date.now();
        onStart(n, start);
        await new Promise((resolve) => setTimeout(resolve, bodyMs));
        onEnd(n, start, Date.now());
      }),
    ],
  });
}
