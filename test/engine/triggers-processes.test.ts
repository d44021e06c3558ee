import { describe, expect, it } from 'vitest';
import { createRunner, freshDatabase, stopRunner } from '../helpers/backend.js';
import { spawnTsx } from '../helpers/child.js';
import { gaps, recordingWorkflow } from './triggers-fixtures.js';

describe('event triggers across processes', () => {
  it('two runner processes on one database poll a 200 ms trigger once per interval between them', async () => {
    const db = freshDatabase();
    // Migrate once up front, so both children start polling at about the same time.
    const setup = await createRunner({ enableTriggerScheduling: false }, db.url);
    setup.register(recordingWorkflow('wf'));
    await stopRunner(setup);

    const args = (label: string): string[] => [db.url, db.schema ?? '', label, '5000'];
    const children = [
      spawnTsx('test/engine/triggers-child.ts', args('a')),
      spawnTsx('test/engine/triggers-child.ts', args('b')),
    ];
    const lines: string[] = [];
    for (const child of children) {
      child.process.stdout.on('data', (chunk: Buffer) =>
        lines.push(...chunk.toString().split('\n')),
      );
    }
    await Promise.all(children.map((child) => child.exited()));

    const stamp = (kind: string) =>
      lines
        .filter((l) => l.startsWith(`${kind} `))
        .map((l) => Number(l.split(' ')[2]))
        .sort((x, y) => x - y);
    const [readyA, readyB] = stamp('ready');
    const [stopA, stopB] = stamp('stopping');
    const from = Math.max(readyA!, readyB!);
    const to = Math.min(stopA!, stopB!);
    expect(to - from).toBeGreaterThan(2500); // both processes really overlapped

    // Polls while both runners were live: one poller's worth, never two in one interval.
    const polls = stamp('poll').filter((t) => t >= from && t <= to);
    const window = to - from;
    expect(polls.length).toBeLessThanOrEqual(Math.ceil(window / 200) + 1);
    expect(polls.length).toBeGreaterThanOrEqual(Math.floor(window / 240) - 1);
    // Two pollers would each poll every interval: twice the count above, and gaps spread
    // over 0–200 ms with a median near 100. One poller gives gaps of one interval; a single
    // gap can come shorter by how late that poll() call ran after its claim (a loaded machine
    // delays it by tens of milliseconds), so the median carries the claim, not the minimum.
    const pollGaps = gaps(stamp('poll')).sort((x, y) => x - y);
    expect(pollGaps[Math.floor(pollGaps.length / 2)]).toBeGreaterThanOrEqual(180);
    expect(pollGaps[0]).toBeGreaterThanOrEqual(40);
  }, 60_000);
});
