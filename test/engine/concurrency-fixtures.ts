/** The workflow of the multi-process concurrency tests, shared by the test and its children. */
import { task, workflow, type Workflow } from '../../src/index.js';

/**
 * `per-key`: one task of `bodyMs` (default 5 ms), at most one execution per `key` of the initial context at a time.
 * `onStart` and `onEnd` receive the key, the execution's `n` and wall-clock times (ms).
 */
export function perKey(
  onEnd: (key: string, n: number, start: number, end: number) => void = () => undefined,
  onStart: (key: string, n: number, start: number) => void = () => undefined,
  bodyMs = 5,
): Workflow {
  return workflow({
    name: 'per-key',
    concurrency: { limit: 1, key: (ctx) => ctx['key'] as string },
    tasks: [
      task({ id: 'work' }, async (ctx) => {
        const key = ctx.get('key') as string;
        const n = ctx.get('n') as number;
        const start = Date.now();
        onStart(key, n, start);
        await new Promise((resolve) => setTimeout(resolve, bodyMs));
        onEnd(key, n, start, Date.now());
      }),
    ],
  });
}
