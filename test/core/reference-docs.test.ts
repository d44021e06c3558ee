/**
 * The reference pages stay honest: every error class and code, every metric (with its type and
 * labels) and every option, derived from the code at test time, is documented in docs/, and no
 * page points readers at a document they do not have.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { METRICS_OPTION_DEFAULTS, RUNNER_CONFIG_KEYS } from '../../src/core/options.js';
import { NO_PRUNE_COUNTS, RETENTION_OPTION_KEYS } from '../../src/core/retention.js';
import * as api from '../../src/index.js';
import { createPrometheusMetrics } from '../../src/observability/metrics.js';
import { HttpErrorCode } from '../../src/server/problem.js';

const root = new URL('../../', import.meta.url);

function read(path: string): string {
  return readFileSync(new URL(path, root), 'utf8');
}

/** The TypeScript sources under `dir`, with their text. */
function sources(dir: string): { path: string; text: string }[] {
  return readdirSync(new URL(dir, root), { recursive: true, encoding: 'utf8' })
    .filter((path) => /\.tsx?$/.test(path))
    .map((path) => ({ path: `${dir}${path}`, text: read(`${dir}${path}`) }));
}

/** The names among `names` that `page` never writes as code (`name`). */
function undocumented(page: string, names: Iterable<string>): string[] {
  return [...new Set(names)].filter((name) => !page.includes(`\`${name}\``));
}

/** The table rows of `page` that name `name` as code. */
function rowsOf(page: string, name: string): string[] {
  return page.split('\n').filter((line) => line.startsWith('|') && line.includes(`\`${name}\``));
}

/** The fields of `interface name` in `text`; nested object fields as `outer.inner`. */
function interfaceFields(text: string, name: string): string[] {
  const start = text.indexOf(`export interface ${name} {`);
  expect(start, `interface ${name}`).toBeGreaterThanOrEqual(0);
  const body = text.slice(start, text.indexOf('\n}', start));
  const fields: string[] = [];
  let outer = '';
  for (const [, indent, field] of body.matchAll(/^( {2}| {4})(\w+)\??:/gm)) {
    if (indent!.length === 2) fields.push((outer = field!));
    else fields.push(`${outer}.${field}`);
  }
  return fields;
}

describe('docs/errors.md', () => {
  const page = read('docs/errors.md');

  it('documents every error class', () => {
    const classes = Object.entries(api)
      .filter(
        ([, value]) =>
          typeof value === 'function' &&
          (value === api.CloacinaError || value.prototype instanceof api.CloacinaError),
      )
      .map(([name]) => name);
    expect(classes).toContain('ConfigError');
    expect(undocumented(page, classes)).toEqual([]);
  });

  it('documents every library, HTTP and CLI error code', () => {
    const cliCodes = sources('src/cli/').flatMap(({ text }) =>
      [...text.matchAll(/\bcode: '([A-Z_]+)'/g)].map((m) => m[1]!),
    );
    expect(cliCodes.length).toBeGreaterThan(0);
    const codes = [...Object.values(api.ErrorCode), ...Object.values(HttpErrorCode), ...cliCodes];
    expect(undocumented(page, codes)).toEqual([]);
  });
});

describe('docs/metrics.md', () => {
  const page = read('docs/metrics.md');

  it('documents every metric with its type and labels', async () => {
    const metrics = createPrometheusMetrics({
      runnerId: 'r',
      activeWorkflows: () => Promise.resolve(0),
      queuedExecutions: () => Promise.resolve([{ workflowName: 'w', count: 1 }]),
      runnerIdLabel: false,
      processMetrics: true,
    });
    // One observation of each kind, so every labelled series shows its labels.
    metrics.taskFinished('completed', 1);
    metrics.workflowFinished('completed', 1);
    metrics.setActiveTasks(1);
    metrics.claimAttempt('claimed', 1);
    metrics.staleClaimsSwept(1, 1);
    metrics.triggerPoll('t', 'skip', 1);
    metrics.cronFired(1);
    metrics.cronMissed(1);
    metrics.limitWait('concurrency');
    metrics.pruned({ ...NO_PRUNE_COUNTS, executions: 1 });
    const text = await metrics.render();

    const types = new Map(
      [...text.matchAll(/^# TYPE (\w+) (\w+)$/gm)].map((m) => [m[1]!, m[2]!] as const),
    );
    expect(types.get('cloacina_workflows_total')).toBe('counter');
    expect(types.get('process_cpu_user_seconds_total')).toBe('counter');
    expect(undocumented(page, types.keys())).toEqual([]);
    const wrongType = [...types].filter(
      ([name, type]) => !rowsOf(page, name).some((row) => row.includes(` ${type} `)),
    );
    expect(wrongType).toEqual([]);

    const labels = new Map<string, Set<string>>();
    for (const [, series, set] of text.matchAll(/^(cloacina_\w+)\{([^}]*)\}/gm)) {
      const name = series!.replace(/_(bucket|sum|count)$/, '');
      for (const [, label] of set!.matchAll(/(\w+)="/g)) {
        if (label !== 'le')
          (labels.get(name) ?? labels.set(name, new Set()).get(name)!).add(label!);
      }
    }
    expect(labels.get('cloacina_trigger_polls_total')).toEqual(new Set(['trigger', 'outcome']));
    const missingLabels = [...labels].flatMap(([name, set]) =>
      [...set]
        .filter((label) => !rowsOf(page, name).some((row) => row.includes(`\`${label}\``)))
        .map((label) => `${name}{${label}}`),
    );
    expect(missingLabels).toEqual([]);
  });
});

describe('docs/configuration.md', () => {
  const page = read('docs/configuration.md');

  it('documents every runner option, with the retention and metrics fields', () => {
    expect(RUNNER_CONFIG_KEYS).toContain('maxConcurrentTasks');
    expect(
      undocumented(
        page,
        RUNNER_CONFIG_KEYS.filter((k) => k !== 'retention' && k !== 'metrics'),
      ),
    ).toEqual([]);
    expect(
      undocumented(
        page,
        RETENTION_OPTION_KEYS.map((k) => `retention.${k}`),
      ),
    ).toEqual([]);
    expect(
      undocumented(
        page,
        Object.keys(METRICS_OPTION_DEFAULTS).map((k) => `metrics.${k}`),
      ),
    ).toEqual([]);
  });

  it('documents every client and server option', () => {
    const client = interfaceFields(read('src/client.ts'), 'ClientOptions');
    expect(client).toContain('waitPollInterval');
    const server = interfaceFields(read('src/server/create-server.ts'), 'CreateServerOptions');
    expect(server).toContain('events.ringSize');
    expect(undocumented(page, [...client, ...server.filter((f) => f !== 'events')])).toEqual([]);
  });

  it('documents every CLI global option and environment variable', () => {
    const flags = [...read('src/cli/main.ts').matchAll(/\.option\('(--[\w-]+)/g)].map((m) => m[1]!);
    expect(flags).toContain('--db');
    const variables = sources('src/').flatMap(({ text }) =>
      [...text.matchAll(/process\.env\.(CLOACINA_\w+)/g)].map((m) => m[1]!),
    );
    expect(variables).toContain('CLOACINA_DATABASE_URL');
    expect(undocumented(page, variables)).toEqual([]);
    expect(flags.filter((flag) => !page.includes(`\`${flag}`))).toEqual([]);
  });
});

describe('the docs stand on their own', () => {
  it('cite no specification sections or design documents', () => {
    const texts = [
      { path: 'README.md', text: read('README.md') },
      ...readdirSync(new URL('docs/', root))
        .filter((name) => name.endsWith('.md'))
        .map((name) => ({ path: `docs/${name}`, text: read(`docs/${name}`) })),
      ...sources('src/'),
      ...sources('examples/'),
    ];
    const citing = texts
      .filter(({ text }) => /\bSPEC\b|§|ARCHITECTURE\.md/.test(text))
      .map(({ path }) => path);
    expect(citing).toEqual([]);
  });
});
