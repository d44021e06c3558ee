/**
 * A PostgreSQL error that is not about the written values (too many connections, a missing
 * privilege) while tasks finish: the runner keeps retrying the outcome writes while it holds the
 * claims, and records them once the error passes. It must not record a task that ran fine as
 * failed because its outcome "could not be stored".
 */
import { describe, expect, it } from 'vitest';
import { createRunner, freshDatabase, stopRunner } from '../helpers/backend.js';
import { refuseCompletion } from '../helpers/faults.js';
import { gatedWorkload } from '../helpers/gated.js';

const TASKS = 4;

describe.each([
  ['53300', 'too many connections'],
  ['42501', 'insufficient privilege'],
])('completions refused with %s (%s) for a while', (sqlstate) => {
  it('are written once the error passes; no body runs again and no task fails', async () => {
    const db = freshDatabase();
    const runner = await createRunner({ maxConcurrentTasks: TASKS }, db.url);
    const { runs, handles, release } = await gatedWorkload(runner, 'refused_for_a_while', TASKS);
    const lift = await refuseCompletion(db, 'work', { sqlstate });
    release();
    // The error lasts this long whatever the runner does: it is the fault, not a wait for it.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await lift();
    const results = await Promise.all(handles.map((h) => h.wait('20s')));
    expect(results.map((r) => r.status)).toEqual(results.map(() => 'Completed'));
    expect([...runs.values()]).toEqual(handles.map(() => 1));
    await stopRunner(runner);
  });
});

describe('completions refused with 42501 (insufficient privilege) for good', () => {
  it('fail their attempts after a bounded number of tries, saying what could not be stored', async () => {
    const db = freshDatabase();
    const runner = await createRunner({ maxConcurrentTasks: 2 }, db.url);
    const { runs, handles, release } = await gatedWorkload(runner, 'refused_for_good', 2);
    const lift = await refuseCompletion(db, 'work', { sqlstate: '42501' });
    try {
      release();
      // Bounded: before, such a write was retried for as long as the runner lived.
      const results = await Promise.all(handles.map((h) => h.wait('30s')));
      expect(results.map((r) => r.status)).toEqual(['Failed', 'Failed']);
      for (const result of results) {
        expect(result.taskResults[0]!.errorMessage).toMatch(
          /^Task 'work' attempt 1: its output context could not be stored \(.*42501/,
        );
      }
      expect([...runs.values()]).toEqual([1, 1]);
    } finally {
      await lift();
      await stopRunner(runner);
    }
  });
});
