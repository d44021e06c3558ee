/** The no-op body of `bench/thread-overhead.ts`, a module export so a thread can run it. */
import type { TaskFunction } from '../src/index.js';

/** Does nothing: what is measured is the cost around a body. */
export const noop: TaskFunction = () => undefined;
