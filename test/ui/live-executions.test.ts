/** What a live event does to a row of the executions list. */
import { describe, expect, it } from 'vitest';
import type { ExecutionSummary, FeedEvent } from '../../ui/src/api/types.js';
import { liveStatusPatch, mayAddRow } from '../../ui/src/live-executions.js';

const row: ExecutionSummary = {
  executionId: 'e1',
  workflowName: 'etl',
  workflowVersion: 'v1',
  status: 'Pending',
  createdAt: '2026-12-05T10:00:00.000Z',
  startedAt: null,
  completedAt: null,
  error: null,
  pauseReason: null,
  openTasks: 1,
  failedTasks: 0,
  rerunOf: null,
  rerunBy: null,
  idempotencyKey: null,
  runAt: null,
  concurrency: null,
  rateLimit: null,
  priority: 0,
};

function event(type: string, at: string): FeedEvent {
  return {
    cursor: '1',
    type,
    executionId: 'e1',
    workflow: 'etl',
    taskId: null,
    runnerId: null,
    at,
    data: null,
  };
}

describe('live rows', () => {
  it('moves a row to the status of an execution event, with its start and end times', () => {
    const started = liveStatusPatch(event('workflow_started', '2026-12-05T10:00:01.000Z'))!(row);
    expect(started).toMatchObject({ status: 'Running', startedAt: '2026-12-05T10:00:01.000Z' });
    const done = liveStatusPatch(event('workflow_completed', '2026-12-05T10:00:02.000Z'))!(started);
    expect(done).toMatchObject({
      status: 'Completed',
      startedAt: '2026-12-05T10:00:01.000Z',
      completedAt: '2026-12-05T10:00:02.000Z',
    });
    expect(liveStatusPatch(event('task_completed', '2026-12-05T10:00:02.000Z'))).toBeNull();
  });

  it('resumes a row to Running once it had started, and to Scheduled or Pending before that', () => {
    const resume = liveStatusPatch(event('workflow_resumed', '2026-12-05T10:00:03.000Z'))!;
    expect(resume({ ...row, status: 'Paused' }).status).toBe('Pending');
    const started = { ...row, status: 'Paused' as const, startedAt: '2026-12-05T10:00:01.000Z' };
    expect(resume(started).status).toBe('Running');
    // A delayed one goes back to Scheduled while its time is ahead of the resume.
    expect(resume({ ...row, status: 'Paused', runAt: '2026-12-05T11:00:00.000Z' }).status).toBe(
      'Scheduled',
    );
    expect(resume({ ...row, status: 'Paused', runAt: '2026-12-05T10:00:02.000Z' }).status).toBe(
      'Pending',
    );
  });

  it('queues and admits a row of a limited workflow; a resumed one waits for a place again', () => {
    const limited = { ...row, concurrency: { key: 'c1', limit: 1 } };
    const at = '2026-12-05T10:00:03.000Z';
    expect(liveStatusPatch(event('workflow_queued', at))!(limited).status).toBe('Queued');
    const admit = liveStatusPatch(event('workflow_admitted', at))!;
    expect(admit({ ...limited, status: 'Queued' }).status).toBe('Pending');
    const started = { ...limited, status: 'Queued' as const, startedAt: at };
    expect(admit(started).status).toBe('Running');
    const resume = liveStatusPatch(event('workflow_resumed', at))!;
    expect(resume({ ...limited, status: 'Paused' }).status).toBe('Queued');
  });

  it('sends a resumed rate-limited row back to Queued only when it had not started', () => {
    const rated = { ...row, rateLimit: { key: '', limit: 10, periodMs: 1_000 } };
    const at = '2026-12-05T10:00:03.000Z';
    const resume = liveStatusPatch(event('workflow_resumed', at))!;
    expect(resume({ ...rated, status: 'Paused' }).status).toBe('Queued');
    expect(resume({ ...rated, status: 'Paused', startedAt: at }).status).toBe('Running');
  });

  it('reloads a list that does not show the execution only for events that may add it', () => {
    expect(mayAddRow(event('task_ready', ''))).toBe(true);
    expect(mayAddRow(event('workflow_failed', ''))).toBe(true);
    expect(mayAddRow(event('task_log', ''))).toBe(false);
    expect(mayAddRow(event('task_completed', ''))).toBe(false);
  });
});
