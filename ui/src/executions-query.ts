/**
 * The executions list's view as a URL query (`#/executions?workflow=etl&status=Failed&range=1h`)
 * and as the API's query. A preset time range is kept as its name (`range=1h`), not as a time, so
 * a link opened tomorrow still shows "the last hour"; a custom range keeps its two times.
 */
import type { WorkflowStatus } from './api/types.js';
import { EXECUTION_STATUSES } from './status.js';

/** The time ranges the filter offers; `custom` uses `since` / `until`. */
export const RANGES = {
  '1h': { label: 'Last hour', ms: 3_600_000 },
  '24h': { label: 'Last 24 hours', ms: 86_400_000 },
  '7d': { label: 'Last 7 days', ms: 7 * 86_400_000 },
  custom: { label: 'Custom…', ms: 0 },
} as const;

/** A time range's name. */
export type RangeName = keyof typeof RANGES;

/** Rows per page. */
export const PAGE_SIZE = 50;

/** What the executions list shows. */
export interface ExecutionView {
  readonly workflow: string | null;
  /** Statuses to show; empty for all. */
  readonly statuses: readonly string[];
  readonly range: RangeName | null;
  /** ISO times of a custom range. */
  readonly since: string | null;
  readonly until: string | null;
  /** The page: the `nextCursor` of the page before it; null for the newest page. */
  readonly cursor: string | null;
}

/**
 * Every status the server knows, checked against its schema both ways: a status the server adds
 * fails the build here until the filter offers it, and one it does not have cannot be listed.
 */
const SERVER_STATUSES: Record<WorkflowStatus, true> = {
  Scheduled: true,
  Queued: true,
  Pending: true,
  Running: true,
  Paused: true,
  Completed: true,
  Failed: true,
  Cancelled: true,
};

/**
 * The statuses the filter offers: those of `EXECUTION_STATUSES` (the UI's order) that the server
 * accepts in `?status=`; `Scheduled` and `Queued` show up once the server has them.
 */
export const FILTER_STATUSES: readonly string[] = EXECUTION_STATUSES.filter(
  (status) => status in SERVER_STATUSES,
);

function isRange(value: string | null): value is RangeName {
  return value !== null && Object.hasOwn(RANGES, value);
}

function isoOrNull(value: string | null): string | null {
  if (value === null || value === '') return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** Reads the view from the hash's query (unknown statuses and bad times are dropped). */
export function parseView(params: URLSearchParams): ExecutionView {
  const range = params.get('range');
  const statuses = (params.get('status') ?? '')
    .split(',')
    .filter((status) => FILTER_STATUSES.includes(status));
  return {
    workflow: params.get('workflow') || null,
    statuses: FILTER_STATUSES.filter((status) => statuses.includes(status)),
    range: isRange(range) ? range : null,
    since: range === 'custom' ? isoOrNull(params.get('since')) : null,
    until: range === 'custom' ? isoOrNull(params.get('until')) : null,
    cursor: params.get('cursor') || null,
  };
}

/** The hash of `view`: `/executions?…`, parameters in a fixed order, empty ones left out. */
export function viewHash(view: ExecutionView): string {
  const query = new URLSearchParams();
  if (view.workflow !== null) query.set('workflow', view.workflow);
  if (view.statuses.length > 0) query.set('status', view.statuses.join(','));
  if (view.range !== null) query.set('range', view.range);
  if (view.range === 'custom' && view.since !== null) query.set('since', view.since);
  if (view.range === 'custom' && view.until !== null) query.set('until', view.until);
  if (view.cursor !== null) query.set('cursor', view.cursor);
  const text = query.toString();
  return text === '' ? '/executions' : `/executions?${text}`;
}

/** True when the view filters anything (the page then offers to clear the filters). */
export function isFiltered(view: ExecutionView): boolean {
  return view.workflow !== null || view.statuses.length > 0 || view.range !== null;
}

/** The `GET v1/executions` query of `view`, a preset range counted back from `now`. */
export function listQuery(
  view: ExecutionView,
  now = Date.now(),
): Record<string, string | number | undefined> {
  let since: string | undefined;
  let until: string | undefined;
  if (view.range === 'custom') {
    since = view.since ?? undefined;
    until = view.until ?? undefined;
  } else if (view.range !== null) {
    since = new Date(now - RANGES[view.range].ms).toISOString();
  }
  return {
    workflow: view.workflow ?? undefined,
    status: view.statuses.length > 0 ? view.statuses.join(',') : undefined,
    since,
    until,
    cursor: view.cursor ?? undefined,
    limit: PAGE_SIZE,
  };
}

/** An ISO time as a `datetime-local` input's value, in the viewer's zone (minutes). */
export function toLocalInput(iso: string | null): string {
  if (iso === null) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}

/** A `datetime-local` input's value (the viewer's zone) as an ISO time; null when empty. */
export function fromLocalInput(value: string): string | null {
  if (value === '') return null;
  // Without a zone, the Date constructor reads a date-time as local time.
  return isoOrNull(value);
}

/**
 * Whether an execution comes before `known` in the list's order (newest first: creation time,
 * then id, as the API sorts). `since` is inclusive and times are in milliseconds, so a list read
 * since `known` was created also holds the executions created in the same millisecond before it:
 * those are not new.
 */
export function listedBefore(
  row: { readonly createdAt: string; readonly executionId: string },
  known: { readonly createdAt: string; readonly executionId: string },
): boolean {
  const [at, knownAt] = [Date.parse(row.createdAt), Date.parse(known.createdAt)];
  return at > knownAt || (at === knownAt && row.executionId > known.executionId);
}
