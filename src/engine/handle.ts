/** The handle returned by `executeAsync`. */
import type { Duration } from '../core/duration.js';
import type { WorkflowStatus } from '../store/store.js';
import type { WorkflowExecutionResult } from './results.js';

/** What a handle needs from its runner. */
export interface ExecutionControl {
  getExecutionStatus(executionId: string): Promise<WorkflowStatus>;
  getExecutionResult(executionId: string): Promise<WorkflowExecutionResult>;
  waitForExecution(
    executionId: string,
    timeout?: Duration | null,
  ): Promise<WorkflowExecutionResult>;
  cancelExecution(executionId: string): Promise<void>;
  pauseExecution(executionId: string, reason?: string): Promise<void>;
  resumeExecution(executionId: string): Promise<void>;
}

/** A scheduled workflow execution. */
export class WorkflowExecutionHandle {
  constructor(
    private readonly control: ExecutionControl,
    /** The execution's id. */
    readonly executionId: string,
    /** The workflow it runs. */
    readonly workflowName: string,
    /**
     * False when the start's idempotency key named an existing execution: this handle points at
     * that one, whatever its status, and the start wrote nothing. True for a new execution.
     */
    readonly created: boolean = true,
  ) {}

  /** The current status. */
  status(): Promise<WorkflowStatus> {
    return this.control.getExecutionStatus(this.executionId);
  }

  /** The result as it stands now (final once the status is terminal). */
  result(): Promise<WorkflowExecutionResult> {
    return this.control.getExecutionResult(this.executionId);
  }

  /**
   * Waits for a terminal status and returns the result; rejects with `TimeoutError` past
   * `timeout` (default: the runner's `workflowTimeout`); the execution keeps running.
   */
  wait(timeout?: Duration | null): Promise<WorkflowExecutionResult> {
    return this.control.waitForExecution(this.executionId, timeout);
  }

  /** Hard cancel. */
  cancel(): Promise<void> {
    return this.control.cancelExecution(this.executionId);
  }

  /** Pauses: running tasks finish, no new task starts. */
  pause(reason?: string): Promise<void> {
    return this.control.pauseExecution(this.executionId, reason);
  }

  /** Resumes a paused execution. */
  resume(): Promise<void> {
    return this.control.resumeExecution(this.executionId);
  }
}
