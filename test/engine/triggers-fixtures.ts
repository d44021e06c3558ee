/** Small fixtures shared by the event-trigger engine tests. */
import {
  task,
  workflow,
  type InputSchema,
  type JsonObject,
  type Logger,
  type Workflow,
} from '../../src/index.js';

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A gate tasks wait on; `open()` lets every current and future waiter through until `close()`. */
export class Gate {
  #open = false;
  #waiters: (() => void)[] = [];

  /** Waits until the gate is open or `signal` aborts. */
  wait(signal: AbortSignal): Promise<void> {
    if (this.#open || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      this.#waiters.push(resolve);
      signal.addEventListener('abort', () => resolve(), { once: true });
    });
  }

  open(): void {
    this.#open = true;
    for (const resolve of this.#waiters.splice(0)) resolve();
  }

  close(): void {
    this.#open = false;
  }
}

/** A one-task workflow whose task records its input and (optionally) waits on `gate`. */
export function recordingWorkflow(
  name: string,
  options: { gate?: Gate; seen?: JsonObject[]; triggers?: string[]; input?: InputSchema } = {},
): Workflow {
  const root = task({ id: 'root' }, async (ctx, handle) => {
    options.seen?.push(ctx.toJSON());
    if (options.gate !== undefined) await options.gate.wait(handle.signal);
  });
  return workflow({
    name,
    tasks: [root],
    triggers: options.triggers ?? [],
    ...(options.input !== undefined ? { input: options.input } : {}),
  });
}

/** One call a {@link RecordingLogger} received. */
export interface LogCall {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly fields: object;
  readonly msg: string;
}

/** A logger that records every call (children share the record). */
export class RecordingLogger implements Logger {
  constructor(
    readonly calls: LogCall[] = [],
    private readonly bindings: object = {},
  ) {}

  #record(level: LogCall['level'], obj: object | string, msg?: string): void {
    const fields = typeof obj === 'string' ? {} : obj;
    this.calls.push({
      level,
      fields: { ...this.bindings, ...fields },
      msg: typeof obj === 'string' ? obj : (msg ?? ''),
    });
  }

  debug(obj: object | string, msg?: string): void {
    this.#record('debug', obj, msg);
  }
  info(obj: object | string, msg?: string): void {
    this.#record('info', obj, msg);
  }
  warn(obj: object | string, msg?: string): void {
    this.#record('warn', obj, msg);
  }
  error(obj: object | string, msg?: string): void {
    this.#record('error', obj, msg);
  }
  child(bindings: Record<string, unknown>): Logger {
    return new RecordingLogger(this.calls, { ...this.bindings, ...bindings });
  }

  /** Calls at `level` whose fields name `trigger`. */
  about(trigger: string, level: LogCall['level']): LogCall[] {
    return this.calls.filter(
      (c) => c.level === level && (c.fields as { trigger?: unknown }).trigger === trigger,
    );
  }
}

/** Gaps between consecutive timestamps. */
export function gaps(times: readonly number[]): number[] {
  return times.slice(1).map((t, i) => t - times[i]!);
}
