/**
 * The keyset pages of executions and of an execution's events, shared by the runner and the
 * client: options checked, cursors read and made, rows mapped to the public shapes.
 */
import { checkPageOptions } from '../core/list-options.js';
import { NotFoundError } from '../errors.js';
import {
  EventType,
  SCHEDULE_EVENT_TYPES,
  WorkflowStatus,
  type ExecutionEvent,
} from '../store/store.js';
import type { Store } from '../store/store.js';
import { readPage, type Page, type PageOptions } from './pages.js';
import { toExecutionSummary, type ExecutionSummary } from './results.js';

/** Options of `listExecutionsPage`. */
export interface ListExecutionsPageOptions extends PageOptions {
  /** Only executions of this workflow (any version). */
  workflow?: string;
  /** Only executions in this status, or in any of these. */
  status?: WorkflowStatus | readonly WorkflowStatus[];
  /** Only executions created at or after this time (`createdAt >= createdAfter`). */
  createdAfter?: Date;
  /** Only executions created before this time (`createdAt < createdBefore`). */
  createdBefore?: Date;
}

const STATUSES = Object.values(WorkflowStatus);

/**
 * Event types a page of an execution's history leaves out, as `getExecutionEvents` does: task
 * log lines, which can be many per task and are read on their own, and the trigger and cron
 * events naming the execution, which are in the event feed.
 */
const HIDDEN_EVENT_TYPES: readonly string[] = [EventType.TaskLog, ...SCHEDULE_EVENT_TYPES];

/**
 * Executions newest first, `(createdAt, executionId)` descending.
 * @throws {ConfigError} for a bad limit, filter or unknown option.
 * @throws {InvalidCursorError} for a cursor not made by this list with the same filters.
 */
export async function listExecutionsPage(
  store: Store,
  options: unknown,
): Promise<Page<ExecutionSummary>> {
  const { workflow, status, createdAfter, createdBefore, limit, cursor } = checkPageOptions(
    'listExecutionsPage',
    options,
    {
      workflow: 'string',
      status: { anyOf: STATUSES },
      createdAfter: 'date',
      createdBefore: 'date',
    },
  );
  const createdFromMs = createdAfter?.getTime();
  const createdBeforeMs = createdBefore?.getTime();
  // Sorted and without repeats: the same set of statuses is the same list, whatever its spelling.
  const statuses =
    status === undefined
      ? undefined
      : [...new Set(typeof status === 'string' ? [status] : status)].sort();
  return readPage(
    {
      cursor: {
        // The time range is part of the list: a cursor of another range is refused, not read
        // as a position in this one. Without a range the scope is what it always was, so
        // cursors handed out before ranges existed stay valid.
        scope: JSON.stringify([
          'executions',
          workflow ?? null,
          statuses ?? null,
          ...(createdFromMs === undefined && createdBeforeMs === undefined
            ? []
            : [createdFromMs ?? null, createdBeforeMs ?? null]),
        ]),
        what: 'execution list',
        parts: ['integer', 'string'],
      },
      fetch: (after, take) =>
        store.listExecutionsPage({
          workflowName: workflow,
          statuses,
          createdFromMs,
          createdBeforeMs,
          after:
            after === null ? null : { createdAtMs: after[0] as number, id: after[1] as string },
          limit: take,
        }),
      keyOf: (row) => [row.createdAtMs, row.id],
      toItem: toExecutionSummary,
    },
    cursor,
    limit,
  );
}

/**
 * Events of an execution oldest first (by id), without task log lines.
 * @throws {NotFoundError} for an unknown execution.
 * @throws {InvalidCursorError} for a cursor not made by this list for this execution.
 */
export async function executionEventsPage(
  store: Store,
  executionId: string,
  options: unknown,
): Promise<Page<ExecutionEvent>> {
  const { limit, cursor } = checkPageOptions('getExecutionEventsPage', options, {});
  const page = await readPage(
    {
      cursor: {
        scope: JSON.stringify(['events', executionId]),
        what: 'execution event',
        parts: ['integer'],
      },
      fetch: (after, take) =>
        store.getEventsPage({
          executionId,
          afterId: after === null ? null : (after[0] as number),
          excludeTypes: HIDDEN_EVENT_TYPES,
          limit: take,
        }),
      keyOf: (event) => [event.id],
      toItem: (event) => event,
    },
    cursor,
    limit,
  );
  // Only an empty page needs the look-up: events are written with their execution.
  if (page.items.length === 0 && (await store.getExecution(executionId)) === null) {
    throw new NotFoundError(
      `No workflow execution with id '${executionId}'. Check the id (listExecutionsPage() shows recent ones).`,
    );
  }
  return page;
}
