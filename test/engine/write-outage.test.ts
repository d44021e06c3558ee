/**
 * A database that refuses writes for a few seconds (PostgreSQL: a serialization failure on every
 * completion; SQLite: a full disk) while tasks finish. The runner still holds their claims, so
 * it keeps retrying the outcome writes: an outage shorter than `staleClaimThreshold` runs no
 * body again. Before, a write gave up after ~1.5 s and the sweeper ran the body a second time.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { backend, createRunner, freshDatabase, stopRunner } from '../helpers/backend.js';
import { refuseCompletion, refuseTaskUpdates } from '../helpers/faults.js';
import { gatedWorkload } from '../helpers/gated.js';

const TASKS = 8;
/** Longer than the ~1.5 s an outcome write used to retry for, shorter than the stale threshold. */
const OUTAGE_MS = 3_000;

/** A small tmpfs of this test's own, so SQLite's disk can be filled without filling the machine's. */
const disk = mkdtempSync(join(tmpdir(), 'cloacina-full-disk-'));
let mounted = false;
if (backend === 'sqlite') {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', disk], { stdio: 'ignore' });
    mounted = true;
  } catch {
    // Needs root; CI runs as root, so there a failed mount fails the suite (below).
  }
}
afterAll(() => {
  if (mounted) execFileSync('umount', [disk]);
  rmSync(disk, { recursive: true, force: true });
});
const unavailable = backend === 'sqlite' && !mounted;
if (unavailable && process.env.CI === 'true') {
  throw new Error('Mounting a tmpfs (root) is needed for the SQLite full-disk test under CI.');
}

/** Fills the tmpfs to the last byte; returns the function that frees the space again. */
function fillDisk(): () => Promise<void> {
  const files: string[] = [];
  try {
    for (;;) {
      const file = join(disk, `filler-${files.length}`);
      files.push(file);
      writeFileSync(file, Buffer.alloc(4096));
    }
  } catch {
    // ENOSPC: the disk is full.
  }
  return () => {
    for (const file of files) rmSync(file, { force: true });
    return Promise.resolve();
  };
}

describe.skipIf(unavailable)('a database that refuses writes for a few seconds', () => {
  it('runs no task body again once it takes writes again', async () => {
    const db =
      backend === 'sqlite'
        ? { url: `sqlite://${join(disk, 'outage.db')}`, schema: undefined }
        : freshDatabase();
    const runner = await createRunner(
      {
        maxConcurrentTasks: TASKS,
        heartbeatInterval: '200ms',
        staleClaimThreshold: '6s',
        staleClaimSweepInterval: '200ms',
      },
      db.url,
    );
    const { runs, handles, release } = await gatedWorkload(runner, 'outage', TASKS);

    const end = backend === 'sqlite' ? fillDisk() : await refuseCompletion(db, 'work', 'transient');
    release();
    // The outage lasts this long whatever the runner does: it is the fault, not a wait for it.
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
    await end();

    const results = await Promise.all(handles.map((h) => h.wait('20s')));
    expect(results.map((r) => r.status)).toEqual(results.map(() => 'Completed'));
    expect([...runs.values()]).toEqual(handles.map(() => 1));
    await stopRunner(runner);
  });

  it('takes none of its own running tasks back after an outage longer than the stale threshold', async () => {
    const db =
      backend === 'sqlite'
        ? { url: `sqlite://${join(disk, 'long-outage.db')}`, schema: undefined }
        : freshDatabase();
    // The sweep ticks far more often than the heartbeat: after the outage it comes first.
    const runner = await createRunner(
      {
        maxConcurrentTasks: TASKS,
        heartbeatInterval: '1s',
        staleClaimThreshold: '1500ms',
        staleClaimSweepInterval: '100ms',
      },
      db.url,
    );
    const { runs, handles, release } = await gatedWorkload(runner, 'long_outage', TASKS);

    // Heartbeats and sweeps both fail meanwhile; the claims age past the threshold.
    const end = backend === 'sqlite' ? fillDisk() : await refuseTaskUpdates(db);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    await end();
    // Several sweep ticks pass while the bodies still run.
    await new Promise((resolve) => setTimeout(resolve, 500));
    release();

    const results = await Promise.all(handles.map((h) => h.wait('20s')));
    expect(results.map((r) => r.status)).toEqual(results.map(() => 'Completed'));
    expect([...runs.values()]).toEqual(handles.map(() => 1));
    await stopRunner(runner);
  });
});
