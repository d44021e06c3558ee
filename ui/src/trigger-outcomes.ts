/**
 * What a trigger's polls did, from the two records the server keeps: its history (one row per
 * fire, per open execution that suppressed duplicate fires — with their count — and per poll
 * error) and its schedule's counters (`lastPollAt`, the lifetime `skips` with the last skip
 * reason, the current error streak with the last error).
 *
 * What the strip CAN show: every fire, suppressed-duplicate row and poll error, in order, each
 * with its time; and whether polls answered Skip after the newest of them (the schedule was
 * polled later than that row was written, and the streak is 0).
 *
 * What it CANNOT show: skips are not history rows, only a lifetime counter, so neither when
 * each skip happened nor how many fell between two recorded outcomes is known; they appear as
 * one trailing "skipped" cell standing for "one or more skips since the last recorded outcome",
 * with the lifetime total and the last reason in its title. A suppressed-duplicate row stands for
 * all the fires one open execution suppressed (its `count`), so it is one cell. A manual fire
 * (Fire now) is a history row like a polled one and looks the same.
 */
import type { TriggerExecution, TriggerSchedule } from './api/types.js';

/** The kinds of cells, coloured by the stylesheet (`.strip-<kind>`). */
export type OutcomeKind = 'fire' | 'suppressed' | 'error' | 'skip';

/** One cell of the strip. */
export interface OutcomeCell {
  readonly kind: OutcomeKind;
  /** When it happened (for suppressed fires, the latest one); null for the skip cell. */
  readonly at: string | null;
  /** The fires a suppressed row counts; 1 otherwise. */
  readonly count: number;
  /** The title: what a person reads on hover or from a screen reader. */
  readonly title: string;
  /** A stable key for rendering. */
  readonly key: string;
}

/** The outcome of a history row (a fire's later status — open, completed… — is still a fire). */
export function rowKind(row: TriggerExecution): Exclude<OutcomeKind, 'skip'> {
  if (row.status === 'deduplicated') return 'suppressed';
  if (row.status === 'error') return 'error';
  return 'fire';
}

/** When a row last changed what the trigger did: a suppressed row's latest fire. */
function rowTime(row: TriggerExecution): string {
  return row.status === 'deduplicated' ? (row.completedAt ?? row.startedAt) : row.startedAt;
}

/** True when polls answered Skip after the newest history row (see the module comment). */
export function skippedSinceNewest(
  schedule: TriggerSchedule,
  newest: TriggerExecution | undefined,
): boolean {
  if (schedule.lastPollAt === null || schedule.consecutiveErrors > 0 || schedule.skips === 0) {
    return false;
  }
  return newest === undefined || Date.parse(schedule.lastPollAt) > Date.parse(rowTime(newest));
}

/**
 * The strip's cells, oldest first (left to right): the newest `max` history rows, then a skip
 * cell when polls skipped after the newest of them. `history` is newest first, as the API sends.
 */
export function outcomeCells(
  schedule: TriggerSchedule,
  history: readonly TriggerExecution[],
  max = 20,
): OutcomeCell[] {
  const rows = history.slice(0, max).reverse();
  const cells: OutcomeCell[] = rows.map((row) => {
    const kind = rowKind(row);
    const at = rowTime(row);
    const title =
      kind === 'fire'
        ? `Fired at ${at} (execution ${row.status})`
        : kind === 'suppressed'
          ? `${row.count} duplicate fire${row.count === 1 ? '' : 's'} suppressed, the latest at ${at}`
          : `Poll error at ${at}: ${row.errorMessage ?? 'no message'}`;
    return { kind, at, count: kind === 'suppressed' ? row.count : 1, title, key: row.id };
  });
  if (skippedSinceNewest(schedule, history[0])) {
    cells.push({
      kind: 'skip',
      at: null,
      count: 1,
      title:
        `Skipped since the last recorded outcome (last poll ${schedule.lastPollAt ?? ''}` +
        `${schedule.lastSkipReason === null ? '' : `: ${schedule.lastSkipReason}`}); ` +
        `${schedule.skips} skip${schedule.skips === 1 ? '' : 's'} in all`,
      key: 'skip',
    });
  }
  return cells;
}

/** The last poll's outcome, as the lists show it. */
export type LastOutcome =
  | { readonly kind: 'never' }
  | { readonly kind: 'fire'; readonly executionId: string | null }
  | { readonly kind: 'suppressed'; readonly count: number; readonly openExecutionId: string | null }
  | { readonly kind: 'error'; readonly message: string; readonly streak: number }
  | { readonly kind: 'skip'; readonly reason: string | null }
  /** Polled, but nothing recorded yet: the poll is still running. */
  | { readonly kind: 'pending' };

/**
 * What the last poll did. An error streak wins (it is what an operator must see); else the
 * newest history row if it is at least as recent as the last poll; else a skip.
 */
export function lastOutcome(
  schedule: TriggerSchedule,
  newest: TriggerExecution | undefined,
): LastOutcome {
  if (schedule.consecutiveErrors > 0) {
    return {
      kind: 'error',
      message: schedule.lastError ?? 'no message',
      streak: schedule.consecutiveErrors,
    };
  }
  if (schedule.lastPollAt === null && newest === undefined) return { kind: 'never' };
  if (
    newest !== undefined &&
    (schedule.lastPollAt === null || Date.parse(rowTime(newest)) >= Date.parse(schedule.lastPollAt))
  ) {
    const kind = rowKind(newest);
    if (kind === 'fire') return { kind, executionId: newest.workflowExecutionId };
    if (kind === 'suppressed') {
      return { kind, count: newest.count, openExecutionId: newest.openExecutionId };
    }
    // An error row newer than the last poll, with no streak: a manual fire that failed.
    return { kind, message: newest.errorMessage ?? 'no message', streak: 0 };
  }
  return schedule.skips > 0
    ? { kind: 'skip', reason: schedule.lastSkipReason }
    : { kind: 'pending' };
}

/** A line of the history table: one row, or a run of identical poll errors shown once. */
export interface HistoryLine {
  /** The newest row of the run. */
  readonly row: TriggerExecution;
  /** How many rows the line stands for (1 unless it is a run of errors). */
  readonly repeats: number;
  /** When the oldest row of the run happened. */
  readonly oldestAt: string;
}

/**
 * History rows (newest first) as table lines: consecutive poll errors with the same message
 * become one line with their number and time span — a trigger failing every second for an hour
 * is one line to read, not 3,600 — while every fire and suppression keeps its own line.
 */
export function historyLines(rows: readonly TriggerExecution[]): HistoryLine[] {
  const lines: HistoryLine[] = [];
  for (const row of rows) {
    const last = lines.at(-1);
    if (
      last !== undefined &&
      row.status === 'error' &&
      last.row.status === 'error' &&
      last.row.errorMessage === row.errorMessage
    ) {
      lines[lines.length - 1] = { ...last, repeats: last.repeats + 1, oldestAt: row.startedAt };
    } else {
      lines.push({ row, repeats: 1, oldestAt: row.startedAt });
    }
  }
  return lines;
}
