/**
 * A stored definition read for people: the definition is the one `Workflow.toDefinition()`
 * writes, so what the engine stores is what is worded.
 */
import { describe, expect, it } from 'vitest';
import { rules, task, workflow } from '../../src/index.js';
import { ruleWords, taskSpecs } from '../../ui/src/workflow-definition.js';

const noop = () => undefined;

describe('taskSpecs', () => {
  it('words each task of a real definition', () => {
    const wf = workflow({
      name: 'etl',
      tasks: [
        task({ id: 'extract', retry: { attempts: 5, initialDelay: '2s', maxDelay: '1m' } }, noop),
        task(
          { id: 'clean', dependencies: ['extract'], retry: { attempts: 1 }, timeout: '30s' },
          noop,
        ),
        task(
          {
            id: 'alert',
            dependencies: ['extract', 'clean'],
            triggerRules: rules.any(
              rules.taskFailed('extract'),
              rules.all(rules.taskSuccess('clean'), rules.contextValue('rows', 'greaterThan', 10)),
            ),
            description: 'Tell someone',
            retry: { backoff: 'fixed', retryOn: 'transient', jitter: false },
          },
          noop,
        ),
      ],
    });
    const specs = taskSpecs(
      JSON.parse(JSON.stringify(wf.toDefinition())) as Record<string, unknown>,
    );
    expect(specs.map((s) => s.id)).toEqual(['extract', 'clean', 'alert']);
    expect(specs[0]).toMatchObject({
      dependencies: [],
      rule: 'always',
      ruleIsDefault: true,
      attempts: 5,
      retry: '5 attempts, exponential from 2.0 s, max 1 min 00 s, jitter',
      timeout: 'runner default',
    });
    expect(specs[1]).toMatchObject({ retry: 'no retry (1 attempt)', timeout: '30.0 s' });
    expect(specs[2]).toMatchObject({
      rule: 'extract failed or (clean completed and context.rows > 10)',
      ruleIsDefault: false,
      description: 'Tell someone',
      retry: '3 attempts, fixed from 1.0 s, max 1 min 00 s, on transient errors',
    });
  });

  it('shows an unknown rule as its JSON rather than failing', () => {
    expect(ruleWords({ type: 'someday', x: 1 })).toBe('{"type":"someday","x":1}');
    expect(ruleWords(rules.none(rules.taskSkipped('a')))).toBe('none of: a skipped');
    expect(taskSpecs({ tasks: 'nope' })).toEqual([]);
  });
});
