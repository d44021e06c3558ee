/**
 * Event triggers, the tutorial's file watcher — for real: a trigger watches an inbox folder and
 * fires `file_processing` with `{ filename, file_hash }` for the oldest file there. Because the
 * trigger de-duplicates by context hash (`allowConcurrent: false`), polls that see the same file
 * again while its workflow is still running are suppressed and recorded, and the file is never
 * processed twice at once. `process_file` moves the file out of the inbox.
 *
 *   validate_file ─── process_file
 *
 * Run it with `npm run demo` or `npx tsx examples/event-triggers/file-watcher.ts`.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile, readdir, rename, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DefaultRunner,
  TriggerResult,
  rules,
  task,
  workflow,
  type Trigger,
  type TriggerExecution,
  type TriggerRunContext,
} from '../../src/index.js';
import { quietLogger, say, sleep } from './shared.js';

const root = mkdtempSync(join(tmpdir(), 'cloacina-file-watcher-'));
const inbox = join(root, 'inbox');
const processed = join(root, 'processed');
mkdirSync(inbox);
mkdirSync(processed);

/** Watches a real directory; state (the poll count) lives on `this` between polls. */
class FileWatcherTrigger implements Trigger {
  readonly name = 'file_watcher';
  readonly pollInterval = '150ms';
  readonly allowConcurrent = false; // never process the same file twice at once
  polls = 0;

  constructor(private readonly watchPath: string) {}

  async poll(signal: AbortSignal): Promise<TriggerResult> {
    this.polls += 1;
    const names = (await readdir(this.watchPath)).filter((n) => !n.startsWith('.')).sort();
    for (const filename of names) {
      if (signal.aborted) break;
      try {
        // Hash the content: the same name with new content is a new file to process.
        const content = await readFile(join(this.watchPath, filename));
        const fileHash = createHash('sha256').update(content).digest('hex');
        say(`poll #${this.polls}: ${filename} (sha256 ${fileHash.slice(0, 12)}…) is there → fire`);
        return TriggerResult.fire({ filename, file_hash: fileHash, watch_path: this.watchPath });
      } catch {
        continue; // moved away between readdir and read: not there any more
      }
    }
    if (this.polls % 5 === 0) say(`poll #${this.polls}: inbox empty → skip`);
    return TriggerResult.skip('inbox empty');
  }
}

/** The keys of a run: what the trigger fires, what the engine adds, what the tasks write. */
interface FileRun extends TriggerRunContext {
  filename: string;
  file_hash: string;
  watch_path: string;
  already_gone: boolean;
  validated: boolean;
  size_bytes: number;
  processed_path: string;
}

const validateFile = task<FileRun>({ id: 'validate_file' }, async (ctx) => {
  const filename = ctx.require('filename');
  const path = join(ctx.require('watch_path'), filename);
  // A poll that read the file just before an earlier run moved it away fires once more after
  // that run ended (its hash was released): nothing is left to do, and process_file is skipped.
  const info = await stat(path).catch(() => null);
  if (info === null) {
    ctx.insert('already_gone', true);
    return;
  }
  await sleep(250); // pretend validation takes a while, so later polls see the file again
  if (info.size === 0) throw new Error(`${filename} is empty`);
  ctx.insert('validated', true);
  ctx.insert('size_bytes', info.size);
});

const processFile = task<FileRun>(
  {
    id: 'process_file',
    dependencies: ['validate_file'],
    triggerRules: rules.contextValue('already_gone', 'notExists'),
  },
  async (ctx) => {
    const filename = ctx.require('filename');
    await sleep(200);
    const target = join(processed, `${Date.now()}-${filename}`);
    await rename(join(ctx.require('watch_path'), filename), target);
    ctx.insert('processed_path', target);
  },
);

const runner = await DefaultRunner.create(`sqlite://${join(root, 'triggers.db')}`, {
  triggerBasePollInterval: '50ms',
  logger: quietLogger,
});
runner.register(workflow({ name: 'file_processing', tasks: [validateFile, processFile] }));
const watcher = new FileWatcherTrigger(inbox);
await runner.registerTrigger(watcher, 'file_processing');
say(`watching ${inbox}`);

// Workflow results, as they finish.
let finished = 0;
runner.on('event', (event) => {
  if (event.type !== 'workflow_completed' && event.type !== 'workflow_failed') return;
  finished += 1;
  void runner.getExecutionResult(event.executionId).then((result) => {
    const ctx = result.finalContext;
    say(
      `workflow ${result.status}: ${ctx.get('filename') as string} → ` +
        (result.status !== 'Completed'
          ? String(result.errorMessage)
          : ctx.has('processed_path')
            ? (ctx.get('processed_path') as string)
            : 'already moved by an earlier run; process_file skipped'),
    );
  });
});

// The trigger's history: fires, suppressed duplicates and errors, printed as they appear.
// Duplicates suppressed by one open execution share one entry, whose count grows.
const shown = new Map<string, number>();
async function showHistory(): Promise<TriggerExecution[]> {
  const rows = (await runner.getTriggerExecutionHistory('file_watcher')).reverse();
  for (const row of rows) {
    if (shown.get(row.id) === row.count) continue;
    shown.set(row.id, row.count);
    if (row.status === 'deduplicated') {
      say(
        `  history: duplicate suppressed (hash ${row.contextHash?.slice(0, 8)}… is still in ` +
          `flight as execution …${row.openExecutionId?.slice(-8)}; ${row.count} so far)`,
      );
    } else if (row.status === 'error') say(`  history: poll error: ${row.errorMessage}`);
    else say(`  history: fired execution …${row.workflowExecutionId?.slice(-8)}`);
  }
  return rows;
}
const historyTimer = setInterval(() => void showHistory(), 100);

// Drop files into the inbox over time.
const drops: [number, string, string][] = [
  [300, 'orders-001.csv', 'id,amount\n1,120\n2,80\n'],
  [1300, 'orders-002.csv', 'id,amount\n3,45\n'],
  [1350, 'customers.json', '[{"id":"ada"},{"id":"grace"}]'],
  // The same file again, after its first run ended: the hash was released, so it fires again.
  [2900, 'orders-001.csv', 'id,amount\n1,120\n2,80\n'],
];
let last = 0;
for (const [at, name, content] of drops) {
  await sleep(at - last);
  last = at;
  say(`dropping ${name} into the inbox`);
  await writeFile(join(inbox, name), content);
}

// Wait until every file was processed, then shut down cleanly.
const deadline = Date.now() + 8000;
while (((await readdir(inbox)).length > 0 || finished < drops.length) && Date.now() < deadline) {
  await sleep(100);
}
await sleep(150);
clearInterval(historyTimer);
const rows = await showHistory();
const schedule = await runner.getTriggerSchedule('file_watcher');
say(
  `done: ${rows.filter((r) => r.workflowExecutionId !== null).length} fires, ` +
    `${rows.filter((r) => r.status === 'deduplicated').reduce((n, r) => n + r.count, 0)} ` +
    'suppressed duplicates, ' +
    `${schedule?.skips ?? 0} skips (last reason: ${schedule?.lastSkipReason ?? 'none'}), ` +
    `${(await readdir(processed)).length} files processed`,
);
await runner.shutdown();
rmSync(root, { recursive: true, force: true });
