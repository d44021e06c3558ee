/** The options of `listExecutions`, shared by the runner and the client. */
import { checkListOptions } from '../core/list-options.js';
import { ConfigError } from '../errors.js';
import { WorkflowStatus } from '../store/store.js';

/** Filter of `listExecutions` (a runner's or a client's). */
export interface ListExecutionsOptions {
  workflowName?: string;
  status?: WorkflowStatus;
  /** Rows per page, 1 to 1000 (`MAX_PAGE_SIZE`). @default 100 */
  limit?: number;
  /**
   * Rows to skip, an integer ≥ 0. Each skipped row is still read (from an index), so a deep
   * offset costs in proportion to its depth; page with `after` instead. @default 0
   */
  offset?: number;
  /**
   * Only executions after this one in list order: pass the `executionId` of the last result
   * of the previous call (keyset paging). A page then costs what the first one does at any
   * depth, and executions scheduled meanwhile shift nothing. Not together with an `offset`;
   * an execution deleted since (pruned) → `NotFoundError`.
   */
  after?: string;
}

const FILTERS = {
  workflowName: 'string',
  status: Object.values(WorkflowStatus),
  after: 'string',
} as const;

/** Checked options of a `listExecutions(options)` call, with paging defaults applied. */
export interface CheckedListExecutions {
  readonly workflowName: string | undefined;
  readonly status: WorkflowStatus | undefined;
  readonly limit: number;
  readonly offset: number;
  /** The id of the execution to list after, when paging by key. */
  readonly after: string | undefined;
}

/**
 * The checked options of a `listExecutions(options)` call, with paging defaults applied.
 * @throws {ConfigError} naming each bad option, its value and what is allowed.
 */
export function executionFilter(options: unknown): CheckedListExecutions {
  const { workflowName, status, limit, offset, after } = checkListOptions(
    'listExecutions',
    options,
    FILTERS,
  );
  if (after !== undefined && offset !== 0) {
    throw new ConfigError(
      `listExecutions: give either after or offset, not both; received offset ${offset} with after '${after}'.`,
    );
  }
  return { workflowName, status, limit, offset, after };
}
