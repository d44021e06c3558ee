/**
 * The event-trigger tutorial's file watcher (examples/event-triggers/file-watcher.ts) as a
 * `cloacinactl daemon` module: a trigger polls an inbox folder and fires `file_processing` with
 * `{ filename, file_hash }` for the oldest file; `process_file` moves it to `processed/`. While a
 * file's run is open, polls that see it again are suppressed (`allowConcurrent: false`).
 *
 *   INBOX_DIR=/tmp/inbox npx tsx src/cli/main.ts daemon --dir examples/daemon
 *
 * See docs/operating.md for the whole session.
 */
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { readFile, readdir, rename, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
// By name, as in a project: the daemon resolves 'cloacina' to its own copy of the library.
import {
  TriggerResult,
  defineTrigger,
  rules,
  task,
  workflow,
  type TriggerRunContext,
} from 'cloacina';

const inbox = resolve(process.env.INBOX_DIR ?? 'inbox');
const processed = join(inbox, '..', `${inbox.split('/').pop() ?? 'inbox'}-processed`);
mkdirSync(inbox, { recursive: true });
mkdirSync(processed, { recursive: true });

/** The keys of a run: what the trigger fires, what the engine adds, what the tasks write. */
interface FileRun extends TriggerRunContext {
  filename: string;
  file_hash: string;
  size_bytes: number;
  processed_path: string;
}

const validateFile = task<FileRun>({ id: 'validate_file' }, async (ctx) => {
  const filename = ctx.require('filename');
  const info = await stat(join(inbox, filename));
  if (info.size === 0) throw new Error(`${filename} is empty`);
  ctx.insert('size_bytes', info.size);
});

// A task runs once its dependencies have ended, whatever their outcome (the default rule is
// `always`): moving a file that failed validation needs the rule that says "only on success".
const processFile = task<FileRun>(
  {
    id: 'process_file',
    dependencies: ['validate_file'],
    triggerRules: rules.taskSuccess('validate_file'),
  },
  async (ctx) => {
    const filename = ctx.require('filename');
    const target = join(processed, `${Date.now()}-${filename}`);
    await rename(join(inbox, filename), target);
    ctx.insert('processed_path', target);
  },
);

/** Validates a dropped file, then moves it out of the inbox. */
export const fileProcessing = workflow({
  name: 'file_processing',
  description: 'validate and move a file dropped into the inbox',
  tasks: [validateFile, processFile],
});

/** Fires for the oldest file of the inbox; the hash makes a changed file a new fire. */
export const fileWatcher = defineTrigger(
  { name: 'file_watcher', workflow: 'file_processing', pollInterval: '1s' },
  async () => {
    for (const filename of (await readdir(inbox)).filter((n) => !n.startsWith('.')).sort()) {
      try {
        const hash = createHash('sha256').update(await readFile(join(inbox, filename)));
        return TriggerResult.fire({ filename, file_hash: hash.digest('hex') });
      } catch {
        continue; // moved away between readdir and read
      }
    }
    return TriggerResult.skip('inbox empty');
  },
);
