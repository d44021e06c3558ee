/**
 * `cloacina/testing`: a runner on a virtual clock for fast, deterministic tests of workflows,
 * their cron schedules and their triggers. See docs/testing.md.
 */
export { createTestRunner } from './test-runner.js';
export type { TestRunner, TestRunnerOptions } from './test-runner.js';
export type { TestExecutionsFilter } from './queries.js';
export { TestQueries } from './queries.js';
export { VirtualClock } from './virtual-clock.js';
