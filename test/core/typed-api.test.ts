/**
 * The typed API: a workflow's input type comes from its Standard Schema, and a task's context
 * type from the keys it declares. The type-level checks are `@ts-expect-error` lines and
 * `expectTypeOf` calls: `npx tsc --noEmit -p .` (which includes test/) fails when a wrong input
 * or a wrong key compiles, or when a right one stops compiling. The run-time checks cover what
 * the types promise: any Standard Schema is checked, not only zod's.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { Context } from '../../src/core/context.js';
import { checkInput } from '../../src/core/input.js';
import type { StandardSchemaV1 } from '../../src/core/standard-schema.js';
import { task } from '../../src/core/task.js';
import { targetName, workflow, WorkflowBuilder } from '../../src/core/workflow.js';
import type { InputSchema, Workflow } from '../../src/core/workflow.js';
import { ConfigError, ContextError, InputValidationError } from '../../src/errors.js';
import type { RESERVED_CRON_KEYS } from '../../src/engine/cron/plan.js';
import type { RESERVED_TRIGGER_KEYS } from '../../src/core/trigger.js';
import type {
  Client,
  CronRunContext,
  DefaultRunner,
  TriggerRunContext,
  WorkflowExecutionResult,
} from '../../src/index.js';

const noop = task({ id: 'noop' }, () => undefined);

const signup = workflow({
  name: 'signup',
  tasks: [noop],
  input: z.object({ email: z.string(), plan: z.enum(['free', 'pro']).default('free') }),
});
const report = workflow({
  name: 'report',
  tasks: [noop],
  input: z.object({ day: z.string().optional() }),
});
const untyped = workflow({ name: 'untyped', tasks: [noop] });

/**
 * Calls that must compile, and calls that must not. Never run: the compiler is the judge, and the
 * `@ts-expect-error` lines fail `tsc` the day a wrong call compiles.
 */
function executeCalls(runner: DefaultRunner, client: Client): void {
  // The schema's input type: a default makes its field optional for the caller.
  void runner.execute(signup, { email: 'a@b.co' });
  void runner.execute(signup, { email: 'a@b.co', plan: 'pro' }, { timeout: '1m' });
  void runner.executeAsync(signup, { email: 'a@b.co' }, { idempotencyKey: 'k' });
  void client.execute(signup, { email: 'a@b.co' });
  void client.executeAsync(signup, { email: 'a@b.co' });
  // @ts-expect-error a field of the wrong type
  void runner.execute(signup, { email: 42 });
  // @ts-expect-error a value outside the enum
  void runner.execute(signup, { email: 'a@b.co', plan: 'gold' });
  // @ts-expect-error a required field missing
  void runner.executeAsync(signup, { plan: 'pro' });
  // @ts-expect-error no input where the schema requires one
  void runner.execute(signup);
  // @ts-expect-error a key the schema does not declare
  void client.execute(signup, { email: 'a@b.co', emial: 'typo' });
  // @ts-expect-error the client checks the input type too
  void client.executeAsync(signup, { email: null });

  // Every field optional: the input may be left out.
  void runner.execute(report);
  void runner.execute(report, { day: '2026-12-05' });
  // @ts-expect-error still typed when given
  void runner.execute(report, { day: 5 });

  // Without a schema, anything goes, as by name.
  void runner.execute(untyped);
  void runner.execute(untyped, { any: 'thing' });
  void runner.execute(untyped, new Context({ any: 1 }));
  void runner.execute('signup', { email: 42 });
  void client.executeAsync('report', new Context());
}

describe('workflow input types', () => {
  it('infers the input type from the schema, for workflow() and WorkflowBuilder', () => {
    expectTypeOf(signup).toEqualTypeOf<Workflow<{ email: string; plan?: 'free' | 'pro' }>>();
    expectTypeOf(untyped).toEqualTypeOf<Workflow>();
    const built = new WorkflowBuilder('built')
      .addTask(noop)
      .input(z.object({ n: z.number() }))
      .build();
    expectTypeOf(built).toEqualTypeOf<Workflow<{ n: number }>>();
    // A typed workflow is still a workflow: register() and every untyped API take it.
    expectTypeOf(signup).toExtend<Workflow>();
    expectTypeOf(executeCalls).toBeFunction();
    expect(built.input).toBeDefined();
  });

  it('rejects a schema that is not a Standard Schema at compile time', () => {
    // @ts-expect-error a function is not a schema
    const notSchema = () => workflow({ name: 'w', tasks: [noop], input: (v: unknown) => v });
    expect(notSchema).toThrow(ConfigError);
  });

  it('resolves a workflow object to its name, and passes a name through', () => {
    expect(targetName(signup)).toBe('signup');
    expect(targetName('by-name')).toBe('by-name');
  });

  it('execute() results stay the same type whichever way the workflow is named', () => {
    type ByObject = Awaited<ReturnType<typeof runnerExecuteByObject>>;
    expectTypeOf<ByObject>().toEqualTypeOf<WorkflowExecutionResult>();
    expect(runnerExecuteByObject).toBeTypeOf('function');
  });
});

function runnerExecuteByObject(runner: DefaultRunner) {
  return runner.execute(signup, { email: 'a@b.co' });
}

/** A hand-written Standard Schema: the library's checks must not rely on any vendor's extras. */
function standardSchema<T>(
  validate: StandardSchemaV1.Props<T>['validate'],
): StandardSchemaV1<T> & InputSchema<T> {
  return { '~standard': { version: 1, vendor: 'hand', validate } };
}

describe('checkInput with any Standard Schema', () => {
  it('keeps the output of a schema that is not zod, and reports its issues with their paths', () => {
    const schema = standardSchema<{ n: number }>((value) => {
      const n = (value as { n?: unknown }).n;
      if (typeof n === 'number') return { value: { n, checked: true } as { n: number } };
      return {
        issues: [
          { message: 'must be a number', path: [{ key: 'n' }, 0] },
          { message: 'root problem' },
        ],
      };
    });
    expect(checkInput('wf', schema, { n: 1 })).toEqual({ n: 1, checked: true });
    const error = (() => {
      try {
        checkInput('wf', schema, { n: 'x' });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InputValidationError);
    expect((error as InputValidationError).issues).toEqual([
      { path: ['n', 0], message: 'must be a number' },
      { path: [], message: 'root problem' },
    ]);
  });

  it('refuses a schema that validates asynchronously, naming the workflow and the way out', () => {
    const schema = standardSchema<object>(() => Promise.resolve({ value: {} }));
    expect(() => checkInput('slow', schema, {})).toThrow(ConfigError);
    expect(() => checkInput('slow', schema, {})).toThrow(/'slow'.*asynchronously.*first task/s);
  });

  it('refuses a zod schema with an async refinement the same way', () => {
    const schema = z.object({ id: z.string() }).refine(async () => Promise.resolve(true));
    expect(() => checkInput('zod-async', schema, { id: 'a' })).toThrow(/asynchronously/);
  });
});

/** The keys the tasks of one workflow share, with their types. */
interface Etl {
  batch: string;
  orders: { id: number; amount: number }[];
  total: number;
  note?: string | null;
}

describe('typed context', () => {
  it('types reads and writes by key, and rejects unknown keys and wrong values', () => {
    const load = task<Etl>({ id: 'load' }, (ctx) => {
      expectTypeOf(ctx.get('orders')).toEqualTypeOf<Etl['orders'] | undefined>();
      expectTypeOf(ctx.require('orders')).toEqualTypeOf<Etl['orders']>();
      expectTypeOf(ctx.require('note')).toEqualTypeOf<string | null>();
      ctx.set(
        'total',
        ctx.require('orders').reduce((sum, o) => sum + o.amount, 0),
      );
      // @ts-expect-error a misspelt key
      ctx.get('order');
      // @ts-expect-error a misspelt key in require
      ctx.require('totl');
      // @ts-expect-error a key the context does not declare
      ctx.set('loaded', true);
      // @ts-expect-error a value of the wrong type
      ctx.set('total', '12');
      // @ts-expect-error undefined is not JSON, even for an optional key
      ctx.insert('note', undefined);
      // @ts-expect-error has() checks keys too
      ctx.has('btach');
      ctx.update('note', null);
      expectTypeOf(ctx.remove('batch')).toEqualTypeOf<string | undefined>();
    });
    // A typed task is an ordinary definition: it mixes with untyped tasks in one workflow.
    const wf = workflow({ name: 'etl', tasks: [load, noop] });
    expect(wf.tasks).toHaveLength(2);
  });

  it('infers the context type from an annotated parameter', () => {
    const annotated = task({ id: 'a' }, (ctx: Context<Etl>) => {
      // @ts-expect-error the annotation types the keys
      ctx.get('nope');
    });
    expect(annotated.id).toBe('a');
  });

  it('keeps the untyped form: any key, any JSON value', () => {
    const untypedTask = task({ id: 'u' }, (ctx) => {
      expectTypeOf(ctx).toEqualTypeOf<Context>();
      ctx.set('anything', { nested: [1, 'two', null] });
      expectTypeOf(ctx.get('whatever')).toEqualTypeOf<
        ReturnType<Context['get']> // Json | undefined
      >();
      // @ts-expect-error still only JSON values
      ctx.set('when', new Date());
    });
    expect(untypedTask.id).toBe('u');
    const ctx = new Context({ a: 1 });
    // NoInfer on the constructor: a context built from values is not narrowed to their keys.
    ctx.set('b', 2);
    expect(ctx.toJSON()).toEqual({ a: 1, b: 2 });
  });

  it('require() returns a present value, null included, and fails on an absent key', () => {
    const ctx = new Context<Etl>({ batch: 'b1', note: null });
    expect(ctx.require('batch')).toBe('b1');
    expect(ctx.require('note')).toBeNull();
    expect(() => ctx.require('orders')).toThrow(ContextError);
    expect(() => ctx.require('orders')).toThrow(
      expect.objectContaining({ code: 'KEY_NOT_FOUND', key: 'orders' }),
    );
  });

  it('types the initial entries of a typed context', () => {
    // @ts-expect-error a wrong value type in the initial entries
    const wrong = () => new Context<Etl>({ total: 'many' });
    expect(wrong).not.toThrow();
  });
});

describe('the keys the engine adds to a run', () => {
  it('are typed as the keys cron and triggers write', () => {
    expectTypeOf<keyof CronRunContext>().toEqualTypeOf<(typeof RESERVED_CRON_KEYS)[number]>();
    expectTypeOf<keyof TriggerRunContext>().toEqualTypeOf<(typeof RESERVED_TRIGGER_KEYS)[number]>();
    const beat = task<CronRunContext & { report: string }>({ id: 'beat' }, (ctx) => {
      expectTypeOf(ctx.require('scheduled_time')).toBeString();
    });
    expect(beat.id).toBe('beat');
  });
});
