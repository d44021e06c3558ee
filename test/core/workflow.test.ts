import { describe, it, expect, expectTypeOf } from 'vitest';
import { z } from 'zod';
import { RetryPolicy } from '../../src/core/retry.js';
import { rules } from '../../src/core/rules.js';
import { task } from '../../src/core/task.js';
import type { TaskDefinition, TaskFunction } from '../../src/core/task.js';
import { Workflow, workflow, WorkflowBuilder } from '../../src/core/workflow.js';
import type { InputSchema, WorkflowOptions } from '../../src/core/workflow.js';
import { ConfigError, NotFoundError, WorkflowValidationError } from '../../src/errors.js';

const noop: TaskFunction = () => {};
const t = (id: string, ...dependencies: string[]): TaskDefinition =>
  task({ id, dependencies }, noop);

// a → (b, c) → d
const diamond = (): TaskDefinition[] => [t('a'), t('b', 'a'), t('c', 'a'), t('d', 'b', 'c')];

function validationError(fn: () => unknown): WorkflowValidationError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(WorkflowValidationError);
    return error as WorkflowValidationError;
  }
  throw new Error('expected a WorkflowValidationError, nothing was thrown');
}

describe('workflow()', () => {
  it('builds a frozen workflow with defaults', () => {
    const wf = workflow({ name: 'etl', tasks: diamond() });
    expect(wf).toBeInstanceOf(Workflow);
    expect(wf.name).toBe('etl');
    expect(wf.description).toBe('');
    expect(wf.tags).toEqual({});
    expect(wf.triggers).toEqual([]);
    expect(wf.input).toBeUndefined();
    expect(wf.tasks.map((x) => x.id)).toEqual(['a', 'b', 'c', 'd']);
    expect(wf.version).toMatch(/^[0-9a-f]{16}$/);
    expect(Object.isFrozen(wf)).toBe(true);
    expect(Object.isFrozen(wf.tasks)).toBe(true);
  });

  it('cannot be constructed directly', () => {
    const Ctor = Workflow as unknown as new (...args: unknown[]) => Workflow;
    expect(() => new Ctor(Symbol('fake'), { name: 'x', tasks: [t('a')] })).toThrow(TypeError);
  });

  it('offers graph helpers', () => {
    const wf = workflow({ name: 'etl', tasks: diamond() });
    expect(wf.topologicalOrder()).toEqual(['a', 'b', 'c', 'd']);
    expect(wf.levels()).toEqual([['a'], ['b', 'c'], ['d']]);
    expect(wf.roots()).toEqual(['a']);
    expect(wf.leaves()).toEqual(['d']);
    expect(wf.dependenciesOf('d')).toEqual(['b', 'c']);
    expect(wf.dependentsOf('a')).toEqual(['b', 'c']);
    expect(wf.dependentsOf('d')).toEqual([]);
    expect(wf.getTask('c')?.id).toBe('c');
    expect(wf.getTask('zzz')).toBeUndefined();
  });

  it('helpers return copies', () => {
    const wf = workflow({ name: 'etl', tasks: diamond() });
    wf.topologicalOrder().pop();
    wf.dependentsOf('a').pop();
    expect(wf.topologicalOrder()).toHaveLength(4);
    expect(wf.dependentsOf('a')).toEqual(['b', 'c']);
  });

  it('throws NotFoundError for an unknown task id in dependenciesOf/dependentsOf', () => {
    const wf = workflow({ name: 'etl', tasks: diamond() });
    expect(() => wf.dependenciesOf('nope')).toThrow(NotFoundError);
    expect(() => wf.dependentsOf('nope')).toThrow(/no task 'nope'.*a, b, c, d/);
  });

  it('toDefinition describes the workflow as JSON without code', () => {
    const wf = workflow({
      name: 'etl',
      description: 'demo',
      tags: { team: 'data' },
      triggers: ['file_watch'],
      tasks: [
        t('a'),
        task(
          {
            id: 'b',
            dependencies: ['a'],
            retry: { attempts: 2, retryOn: () => true },
            timeout: '5s',
            triggerRules: rules.taskSuccess('a'),
            description: 'second',
            concurrency: { limit: 3 },
          },
          noop,
        ),
      ],
    });
    const def = wf.toDefinition();
    expect(JSON.parse(JSON.stringify(def))).toEqual(def);
    expect(def).toMatchObject({
      name: 'etl',
      version: wf.version,
      description: 'demo',
      tags: { team: 'data' },
      triggers: ['file_watch'],
    });
    expect(def['tasks']).toEqual([
      {
        id: 'a',
        dependencies: [],
        triggerRules: { type: 'always' },
        retry: new RetryPolicy().toJSON(),
        timeoutMs: null,
        description: null,
      },
      {
        id: 'b',
        dependencies: ['a'],
        triggerRules: { type: 'taskSuccess', taskId: 'a' },
        retry: expect.objectContaining({ attempts: 2, retryOn: 'custom' }) as unknown,
        timeoutMs: 5000,
        description: 'second',
        concurrency: { limit: 3 },
      },
    ]);
  });
});

describe('WorkflowBuilder', () => {
  it('builds the same workflow as workflow()', () => {
    const [a, b, c, d] = diamond() as [
      TaskDefinition,
      TaskDefinition,
      TaskDefinition,
      TaskDefinition,
    ];
    const schema = z.object({ n: z.number() });
    const built = new WorkflowBuilder('etl')
      .description('demo')
      .tag('team', 'data')
      .tag('tier', '1')
      .addTask(a)
      .addTask(b)
      .addTask(c)
      .addTask(d)
      .input(schema)
      .triggers('t1', 't2')
      .build();
    const direct = workflow({
      name: 'etl',
      description: 'demo',
      tags: { team: 'data', tier: '1' },
      tasks: [a, b, c, d],
      input: schema,
    });
    expect(built.version).toBe(direct.version);
    expect(built.description).toBe('demo');
    expect(built.tags).toEqual({ team: 'data', tier: '1' });
    expect(built.triggers).toEqual(['t1', 't2']);
    expect(built.input).toBe(schema);
    expect(built.tasks.map((x) => x.id)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('validates on build', () => {
    expect(validationError(() => new WorkflowBuilder('empty').build()).code).toBe('EMPTY_WORKFLOW');
  });
});

describe('validation', () => {
  it.each(['', 'my workflow', 'a/b', 42, undefined])('INVALID_ID for workflow name %j', (name) => {
    const error = validationError(() =>
      workflow({ name, tasks: [t('a')] } as unknown as WorkflowOptions),
    );
    expect(error.code).toBe('INVALID_ID');
    expect(error.message).toContain(String(name));
  });

  it('INVALID_ID for a task id (from task())', () => {
    expect(validationError(() => workflow({ name: 'w', tasks: [t('bad id')] })).code).toBe(
      'INVALID_ID',
    );
  });

  it('EMPTY_WORKFLOW', () => {
    const error = validationError(() => workflow({ name: 'w', tasks: [] }));
    expect(error.code).toBe('EMPTY_WORKFLOW');
    expect(error.workflowName).toBe('w');
    expect(error.message).toContain("'w'");
    expect(validationError(() => workflow({ name: 'w' } as WorkflowOptions)).code).toBe(
      'EMPTY_WORKFLOW',
    );
  });

  it('DUPLICATE_TASK names the id', () => {
    const error = validationError(() => workflow({ name: 'w', tasks: [t('a'), t('b'), t('a')] }));
    expect(error.code).toBe('DUPLICATE_TASK');
    expect(error.message).toContain("'a'");
    expect(error.workflowName).toBe('w');
  });

  it('MISSING_DEPENDENCY names the task and the dependency', () => {
    const error = validationError(() =>
      workflow({ name: 'w', tasks: [t('a'), t('b', 'a', 'ghost')] }),
    );
    expect(error.code).toBe('MISSING_DEPENDENCY');
    expect(error.message).toContain("task 'b'");
    expect(error.message).toContain("'ghost'");
    expect(error.workflowName).toBe('w');
  });

  it('INVALID_RULE when a rule names a task that is not a dependency', () => {
    const c = task(
      { id: 'c', dependencies: ['a'], triggerRules: rules.any(rules.taskFailed('b')) },
      noop,
    );
    const error = validationError(() => workflow({ name: 'w', tasks: [t('a'), t('b'), c] }));
    expect(error.code).toBe('INVALID_RULE');
    expect(error.message).toContain("task 'c'");
    expect(error.message).toContain("'b'");
    expect(error.workflowName).toBe('w');
  });

  it('INVALID_RULE when a rule is structurally invalid', () => {
    expect(
      validationError(() =>
        task(
          { id: 'c', triggerRules: { type: 'all', conditions: [{ type: '?' }] } as never },
          noop,
        ),
      ).code,
    ).toBe('INVALID_RULE');
  });

  it('CYCLE lists the cycle in order and sets `cycle`', () => {
    const error = validationError(() =>
      workflow({ name: 'w', tasks: [t('start'), t('a', 'start', 'c'), t('b', 'a'), t('c', 'b')] }),
    );
    expect(error.code).toBe('CYCLE');
    expect(error.cycle).toEqual(['a', 'b', 'c', 'a']);
    expect(error.message).toContain('a -> b -> c -> a');
    expect(error.workflowName).toBe('w');
  });

  it('INVALID_TASK for entries not created with task()', () => {
    const error = validationError(() =>
      workflow({ name: 'w', tasks: [t('a'), noop as unknown as TaskDefinition] }),
    );
    expect(error.code).toBe('INVALID_TASK');
    expect(error.message).toContain('task #2');
    expect(error.message).toContain('task(');
  });

  it('ConfigError for wrongly shaped description, tags, input or triggers', () => {
    try {
      workflow({
        name: 'w',
        tasks: [t('a')],
        description: 5,
        tags: { team: 1 },
        input: {},
        triggers: ['x', 'x'],
      } as unknown as WorkflowOptions);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toHaveLength(4);
    }
  });
});

describe('version', () => {
  const base = (): WorkflowOptions => ({
    name: 'etl',
    description: 'demo',
    tags: { team: 'data' },
    tasks: diamond(),
  });
  const version = (options: WorkflowOptions): string => workflow(options).version;

  it('is stable for the same content (fresh task objects, same source)', () => {
    expect(version(base())).toBe(version(base()));
  });

  it('does not depend on task declaration order or dependency order', () => {
    const reordered = { ...base(), tasks: [t('d', 'c', 'b'), t('c', 'a'), t('a'), t('b', 'a')] };
    expect(version(reordered)).toBe(version(base()));
  });

  it('does not depend on tag insertion order', () => {
    const one = { ...base(), tags: { a: '1', b: '2' } };
    const two = { ...base(), tags: { b: '2', a: '1' } };
    expect(version(one)).toBe(version(two));
  });

  it('changes with the name, description and tags', () => {
    const v = version(base());
    expect(version({ ...base(), name: 'etl2' })).not.toBe(v);
    expect(version({ ...base(), description: 'other' })).not.toBe(v);
    expect(version({ ...base(), tags: { team: 'ops' } })).not.toBe(v);
    expect(version({ ...base(), tags: {} })).not.toBe(v);
  });

  it('changes with a task function body', () => {
    const make = (fn: TaskFunction): string =>
      version({ ...base(), tasks: [task({ id: 'a' }, fn)] });
    expect(make((ctx) => ctx.set('x', 1))).toBe(make((ctx) => ctx.set('x', 1)));
    expect(make((ctx) => ctx.set('x', 1))).not.toBe(make((ctx) => ctx.set('x', 2)));
  });

  it('changes with a rule, a dependency, an added task and a task id', () => {
    const v = version(base());
    const withRule = diamond();
    withRule[3] = task(
      { id: 'd', dependencies: ['b', 'c'], triggerRules: rules.taskSuccess('b') },
      noop,
    );
    expect(version({ ...base(), tasks: withRule })).not.toBe(v);
    const fewerDeps = diamond();
    fewerDeps[3] = t('d', 'b');
    expect(version({ ...base(), tasks: fewerDeps })).not.toBe(v);
    expect(version({ ...base(), tasks: [...diamond(), t('e')] })).not.toBe(v);
    expect(
      version({ ...base(), tasks: [t('a'), t('b', 'a'), t('c', 'a'), t('e', 'b', 'c')] }),
    ).not.toBe(v);
  });

  it('changes with retry, timeout and task description', () => {
    const v = version({ ...base(), tasks: [t('a')] });
    const one = (options: Parameters<typeof task>[0]): string =>
      version({ ...base(), tasks: [task(options, noop)] });
    expect(one({ id: 'a' })).toBe(v);
    expect(one({ id: 'a', retry: { attempts: 5 } })).not.toBe(v);
    expect(one({ id: 'a', timeout: '1m' })).not.toBe(v);
    expect(one({ id: 'a', description: 'x' })).not.toBe(v);
    expect(one({ id: 'a', retry: { retryOn: () => true } })).not.toBe(
      one({ id: 'a', retry: { retryOn: () => false } }),
    );
  });
});

describe('InputSchema', () => {
  it('accepts a zod 4 schema through Standard Schema (type level and at run time)', () => {
    const schema = z.object({ userId: z.string(), count: z.number().int() });
    expectTypeOf(schema).toExtend<InputSchema>();
    const input: InputSchema = schema;
    expect(input['~standard'].validate({ userId: 'u', count: 1 })).toEqual({
      value: { userId: 'u', count: 1 },
    });
    const bad = input['~standard'].validate({ userId: 1 });
    expect(bad).not.toBeInstanceOf(Promise);
    if (bad instanceof Promise) return;
    expect(bad.issues?.map((i) => i.path)).toEqual([['userId'], ['count']]);
    expect(workflow({ name: 'w', tasks: [t('a')], input: schema }).input).toBe(schema);
  });

  it('rejects objects that are not Standard Schemas, at the type level and at run time', () => {
    // @ts-expect-error a plain object is not a schema
    const notSchema: InputSchema = { parse: () => 1 };
    expect(() => workflow({ name: 'w', tasks: [t('a')], input: notSchema })).toThrow(
      /input must be a Standard Schema/,
    );
    // The old structural form (a bare safeParse) is not enough either.
    const safeParseOnly = { safeParse: () => ({ success: true }) } as unknown as InputSchema;
    expect(() => workflow({ name: 'w', tasks: [t('a')], input: safeParseOnly })).toThrow(
      ConfigError,
    );
  });
});

describe('priority', () => {
  it('defaults to 0, is set by workflow() or the builder, and is stored with the definition', () => {
    expect(workflow({ name: 'w', tasks: [t('a')] }).priority).toBe(0);
    expect(workflow({ name: 'w', tasks: [t('a')] }).toDefinition()).not.toHaveProperty('priority');
    const built = new WorkflowBuilder('b').addTask(t('a')).priority(-4).build();
    expect(built.priority).toBe(-4);
    expect(built.toDefinition()).toMatchObject({ priority: -4 });
    // Not part of the version: the same tasks run whatever their priority.
    expect(built.version).toBe(new WorkflowBuilder('b').addTask(t('a')).build().version);
  });

  it('refuses a priority that is not an integer from -1000 to 1000, naming the value', () => {
    for (const bad of [1000.5, 1001, -1001, '1', Number.POSITIVE_INFINITY]) {
      expect(() => workflow({ name: 'w', tasks: [t('a')], priority: bad as number })).toThrow(
        ConfigError,
      );
    }
    expect(() => workflow({ name: 'w', tasks: [t('a')], priority: 1001 })).toThrow(
      "workflow 'w': priority must be an integer from -1000 to 1000 (higher runs first); received 1001.",
    );
  });
});
