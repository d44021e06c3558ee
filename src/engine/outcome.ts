/** What an attempt's claim-guarded write records, and the failure that stands in for it. */
import type { JsonObject } from '../core/json.js';
import { toError } from '../errors.js';
import type { RunningTask } from './running-task.js';

/** The longest text of a storage error quoted in the failure it causes. */
const MAX_QUOTED_ERROR = 1_000;

/** What an attempt's claim-guarded write records. */
export type Outcome =
  | { readonly kind: 'complete'; readonly output: JsonObject }
  | { readonly kind: 'retry'; readonly errorMessage: string; readonly retryDelayMs: number }
  | {
      readonly kind: 'fail';
      readonly errorMessage: string;
      /**
       * Plain text written when nothing else could be (a stand-in, a task this runner does not
       * know): if the database refuses it too, no other failure is tried.
       */
      readonly lastResort?: true;
    };

/** What could not be stored when the database refuses an outcome of `kind` (see {@link standIn}). */
export function problemOf(kind: Outcome['kind']): string {
  return `${kind === 'complete' ? 'output context' : 'error'} could not be stored`;
}

/**
 * The failure recorded, without a retry, when an attempt's own outcome cannot be (its
 * `problem`, e.g. "output context could not be stored").
 */
export function standIn(task: RunningTask, problem: string, error: unknown): Outcome {
  const { taskId, attempt } = task.claim;
  let reason = toError(error).message;
  if (reason.length > MAX_QUOTED_ERROR) reason = `${reason.slice(0, MAX_QUOTED_ERROR)}…`;
  return {
    kind: 'fail',
    lastResort: true,
    errorMessage:
      `Task '${taskId}' attempt ${attempt}: its ${problem} (${reason}). ` +
      'The attempt is recorded as failed, without a retry.',
  };
}
