/**
 * Reads a test asserts on, in the domain's words: a workflow's executions, an execution's task
 * results, a trigger's and a cron schedule's history. Each reads every page, oldest first,
 * which is the order a test states what it expects.
 */
import type { Page } from '../engine/pages.js';
import type { ExecutionSummary, TaskResult, WorkflowExecutionResult } from '../engine/results.js';
import type { CronExecution, CronSchedule } from '../engine/cron/types.js';
import type { TriggerExecution } from '../engine/triggers/types.js';
import type { DefaultRunner } from '../runner.js';
import type { WorkflowStatus } from '../store/store.js';

/** Options of {@link TestQueries.executions}. */
export interface TestExecutionsFilter {
  /** Only executions in this status. */
  status?: WorkflowStatus;
}

/** Reads every page of a newest-first list and returns it oldest first. */
async function allPages<T>(page: (cursor: string | null) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const next: Page<T> = await page(cursor);
    items.push(...next.items);
    cursor = next.nextCursor;
  } while (cursor !== null);
  return items.reverse();
}

const PAGE = 1000;

/** The assertion helpers of a test runner. */
export class TestQueries {
  readonly #runner: DefaultRunner;

  constructor(runner: DefaultRunner) {
    this.#runner = runner;
  }

  /** Executions of `workflowName` (every workflow when omitted), oldest first. */
  executions(
    workflowName?: string,
    filter: TestExecutionsFilter = {},
  ): Promise<ExecutionSummary[]> {
    return allPages((cursor) =>
      this.#runner.listExecutionsPage({
        limit: PAGE,
        cursor,
        ...(workflowName === undefined ? {} : { workflow: workflowName }),
        ...(filter.status === undefined ? {} : { status: filter.status }),
      }),
    );
  }

  /** An execution's result as it stands: status, task results, final context. */
  result(executionId: string): Promise<WorkflowExecutionResult> {
    return this.#runner.getExecutionResult(executionId);
  }

  /** One task's result in an execution; throws naming the tasks there are when it has none. */
  async taskResult(executionId: string, taskId: string): Promise<TaskResult> {
    const { taskResults } = await this.#runner.getExecutionResult(executionId);
    const found = taskResults.find((task) => task.taskId === taskId);
    if (found === undefined) {
      throw new Error(
        `Execution ${executionId} has no task '${taskId}'; its tasks are ` +
          `${taskResults.map((task) => `'${task.taskId}'`).join(', ')}.`,
      );
    }
    return found;
  }

  /** Fires, suppressed fires and poll errors of trigger `name`, oldest first. */
  triggerHistory(name: string): Promise<TriggerExecution[]> {
    return allPages((cursor) =>
      this.#runner.getTriggerExecutionHistoryPage(name, { limit: PAGE, cursor }),
    );
  }

  /**
   * The history of the cron schedules of `workflowName` (by schedule id works too), oldest
   * scheduled time first.
   */
  async cronHistory(workflowNameOrScheduleId: string): Promise<CronExecution[]> {
    const schedules = await this.#cronSchedules(workflowNameOrScheduleId);
    const histories = await Promise.all(
      schedules.map((schedule) =>
        allPages((cursor) =>
          this.#runner.getCronExecutionHistoryPage(schedule.id, { limit: PAGE, cursor }),
        ),
      ),
    );
    return histories.flat().sort((a, b) => a.scheduledTime.getTime() - b.scheduledTime.getTime());
  }

  async #cronSchedules(workflowNameOrScheduleId: string): Promise<CronSchedule[]> {
    const all = await allPages((cursor) =>
      this.#runner.listCronSchedulesPage({ limit: PAGE, cursor }),
    );
    return all.filter(
      (schedule) =>
        schedule.id === workflowNameOrScheduleId ||
        schedule.workflowName === workflowNameOrScheduleId,
    );
  }
}
