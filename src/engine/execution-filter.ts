/** The options of `listExecutions`, shared by the runner and the client. */
import { checkListOptions } from '../core/list-options.js';
import { WorkflowStatus } from '../store/store.js';
import type { ExecutionFilter } from '../store/store.js';

/** Filter of `listExecutions` (a runner's or a client's). */
export interface ListExecutionsOptions {
  workflowName?: string;
  status?: WorkflowStatus;
  /** Rows per page, 1 to 1000 (`MAX_PAGE_SIZE`). @default 100 */
  limit?: number;
  /** Rows to skip, an integer ≥ 0. @default 0 */
  offset?: number;
}

const FILTERS = {
  workflowName: 'string',
  status: Object.values(WorkflowStatus),
} as const;

/**
 * The store filter of a `listExecutions(options)` call, with paging defaults applied.
 * @throws {ConfigError} naming each bad option, its value and what is allowed.
 */
export function executionFilter(options: unknown): ExecutionFilter {
  const { workflowName, status, limit, offset } = checkListOptions(
    'listExecutions',
    options,
    FILTERS,
  );
  return { workflowName, status, limit, offset };
}
