import { describe, expect, it } from 'vitest';
import { MAX_NAME_LENGTH } from '../../src/core/limits.js';
import { resolveRunnerConfig } from '../../src/core/options.js';
import { task } from '../../src/core/task.js';
import { TriggerResult, defineTrigger, validateTrigger } from '../../src/core/trigger.js';
import { WorkflowBuilder, workflow } from '../../src/core/workflow.js';
import { ConfigError, WorkflowValidationError } from '../../src/errors.js';

/** Catches what `fn` throws, failing the test when it does not throw. */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw, nothing was thrown');
}

const longest = 'n'.repeat(MAX_NAME_LENGTH);
const tooLong = 'n'.repeat(MAX_NAME_LENGTH + 1);
const huge = 'n'.repeat(10_000);
const noop = task({ id: 'noop' }, () => undefined);
const poll = () => TriggerResult.skip();

/** The error says what the limit is and how long the name was, without repeating all of it. */
function expectNamesTheLimit(error: Error, length: number): void {
  expect(error.message).toContain(`at most ${MAX_NAME_LENGTH} characters`);
  expect(error.message).toContain(`${length} characters`);
  expect(error.message.length).toBeLessThan(600);
}

describe('name length limit', () => {
  it('is 255 characters', () => {
    expect(MAX_NAME_LENGTH).toBe(255);
  });

  it('accepts names of exactly the limit', () => {
    const t = task({ id: longest }, () => undefined);
    const dependent = task({ id: 'after', dependencies: [longest] }, () => undefined);
    expect(workflow({ name: longest, tasks: [t, dependent] }).name).toBe(longest);
    expect(defineTrigger({ name: longest, workflow: longest }, poll).name).toBe(longest);
    const config = resolveRunnerConfig({ runnerId: longest, runnerName: longest });
    expect(config.runnerId).toBe(longest);
  });

  it('refuses a longer task id, dependency or workflow name with INVALID_ID at definition', () => {
    for (const name of [tooLong, huge]) {
      const id = thrown(() => task({ id: name }, () => undefined));
      expect(id).toBeInstanceOf(WorkflowValidationError);
      expect((id as WorkflowValidationError).code).toBe('INVALID_ID');
      expectNamesTheLimit(id, name.length);

      const dep = thrown(() => task({ id: 'a', dependencies: [name] }, () => undefined));
      expect(dep).toBeInstanceOf(WorkflowValidationError);
      expectNamesTheLimit(dep, name.length);

      const wf = thrown(() => workflow({ name, tasks: [noop] }));
      expect(wf).toBeInstanceOf(WorkflowValidationError);
      expect((wf as WorkflowValidationError).code).toBe('INVALID_ID');
      expectNamesTheLimit(wf, name.length);

      const built = thrown(() => new WorkflowBuilder(name).addTask(noop).build());
      expect((built as WorkflowValidationError).code).toBe('INVALID_ID');
    }
  });

  it('refuses a longer trigger name, its workflow name and its fan-out names', () => {
    const named = thrown(() => defineTrigger({ name: huge }, poll));
    expect(named).toBeInstanceOf(ConfigError);
    expectNamesTheLimit(named, huge.length);

    const object = thrown(() =>
      validateTrigger({ name: tooLong, pollInterval: '1s', allowConcurrent: false, poll }),
    );
    expect(object).toBeInstanceOf(ConfigError);
    expectNamesTheLimit(object, tooLong.length);

    const target = thrown(() => defineTrigger({ name: 't', workflow: huge }, poll));
    expect(target).toBeInstanceOf(ConfigError);
    expectNamesTheLimit(target, huge.length);

    const fanOut = thrown(() => workflow({ name: 'w', tasks: [noop], triggers: [huge] }));
    expect(fanOut).toBeInstanceOf(ConfigError);
    expectNamesTheLimit(fanOut, huge.length);
  });

  it('refuses a longer runnerId or runnerName, listing both', () => {
    const error = thrown(() => resolveRunnerConfig({ runnerId: huge, runnerName: tooLong }));
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain('runnerId');
    expect(problems[0]).toContain(`at most ${MAX_NAME_LENGTH} characters`);
    expect(problems[1]).toContain('runnerName');
    expect(error.message.length).toBeLessThan(800);
  });
});
