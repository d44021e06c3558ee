/**
 * Workflows the execution page is tested on, run by a real runner on the server's database:
 * one held at a gate the test opens (to watch a running task finish live, or cancel it), and a
 * nightly ETL whose `transform` fails both of its attempts, so `load` and `report` are skipped,
 * while `enrich` succeeds on its second attempt and `audit` runs on after the failure.
 */
import { rules, task, workflow, type DefaultRunner } from '../../src/index.js';

/** A promise a test resolves when it chooses; a task waits on it (or on its abort). */
export class Gate {
  #open: () => void = () => undefined;
  readonly #opened = new Promise<void>((resolve) => (this.#open = resolve));

  /** Lets every waiting task go on. */
  open(): void {
    this.#open();
  }

  /** Resolves when the gate opens; rejects when `signal` aborts (a cancel, a shutdown). */
  wait(signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(new Error('aborted while held at the gate'));
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      void this.#opened.then(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      });
    });
  }
}

/** Waits `ms`, or until `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(new Error('aborted'));
      },
      { once: true },
    );
  });
}

/**
 * Registers `held`: `prepare` → `hold` (waits at `gate`, logging before and after) → `finish`.
 */
export function registerHeld(runner: DefaultRunner, gate: Gate): void {
  runner.register(
    workflow({
      name: 'held',
      tasks: [
        task({ id: 'prepare' }, (ctx) => {
          ctx.set('prepared', true);
        }),
        task({ id: 'hold', dependencies: ['prepare'] }, async (ctx, handle) => {
          handle.log.info('waiting at the gate');
          await gate.wait(handle.signal);
          handle.log.info('gate opened');
          ctx.set('released', true);
        }),
        task({ id: 'finish', dependencies: ['hold'] }, (ctx) => {
          ctx.set('finished', true);
        }),
      ],
    }),
  );
}

/** Switches of the nightly ETL. */
export interface EtlControl {
  /** Whether `transform` throws (both its attempts); turned off before a rerun. */
  transformFails: boolean;
}

/** The error `transform` fails with. */
export const TRANSFORM_ERROR = 'column "amount" is not numeric in row 812: "12,50"';

/** Registers `nightly-etl` (see the module comment); returns its switches. */
export function registerEtl(runner: DefaultRunner): EtlControl {
  const control: EtlControl = { transformFails: true };
  const retry = { attempts: 2, initialDelay: '300ms', backoff: 'fixed', jitter: false } as const;
  runner.register(
    workflow({
      name: 'nightly-etl',
      description: 'Orders of the day: extract, check, enrich, transform, load, report',
      tasks: [
        task({ id: 'extract' }, async (ctx, handle) => {
          handle.log.info({ bucket: 's3://orders/2026-12-05' }, 'listing order files');
          await sleep(300, handle.signal);
          handle.log.info({ files: 24, rows: 1284 }, 'read orders');
          ctx.set('day', '2026-12-05');
          ctx.set('orders', { count: 1284, files: 24, source: 's3://orders/2026-12-05' });
        }),
        task({ id: 'validate', dependencies: ['extract'] }, async (ctx, handle) => {
          await sleep(200, handle.signal);
          ctx.set('valid', true);
        }),
        task({ id: 'enrich', dependencies: ['extract'], retry }, async (ctx, handle) => {
          await sleep(150, handle.signal);
          if (handle.attempt === 1) {
            handle.log.warn({ status: 429 }, 'geo API throttled us');
            throw new Error('geo API answered 429 Too Many Requests');
          }
          ctx.set('regions', ['eu-west', 'us-east', 'ap-south']);
        }),
        task(
          { id: 'transform', dependencies: ['validate', 'enrich'], retry },
          async (ctx, handle) => {
            handle.log.info({ attempt: handle.attempt }, 'converting amounts');
            await sleep(250, handle.signal);
            if (control.transformFails) {
              handle.log.error({ row: 812 }, 'bad amount');
              throw new Error(TRANSFORM_ERROR);
            }
            ctx.set('totals', { eur: 18_230.5, usd: 9_120 });
          },
        ),
        task(
          { id: 'load', dependencies: ['transform'], triggerRules: rules.taskSuccess('transform') },
          async (ctx, handle) => {
            await sleep(100, handle.signal);
            ctx.set('loaded', true);
          },
        ),
        task(
          { id: 'report', dependencies: ['load'], triggerRules: rules.taskSuccess('load') },
          (ctx) => {
            ctx.set('reported', true);
          },
        ),
        task({ id: 'audit', dependencies: ['extract'] }, async (ctx, handle) => {
          // Runs on past the failure, so the skip is seen before the execution's end.
          await sleep(2200, handle.signal);
          ctx.set('audited', true);
        }),
      ],
    }),
  );
  return control;
}
