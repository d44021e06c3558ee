import { defineConfig } from 'vitest/config';

/** The engine suite: the same files run once per backend, selected by `TEST_DB`. */
const backendSuite = ['test/{store,engine,acceptance,cli}/**/*.test.ts'];

/**
 * Projects: `core` needs no database; `sqlite` runs the engine suite on real SQLite files;
 * `postgres` runs the same suite on the server at `CLOACINA_TEST_PG_URL`, each test in a schema of
 * its own (dialect-only files: `*.sqlite.test.ts`, `*.pg.test.ts`).
 */
export default defineConfig({
  test: {
    // Under CI the results are also written as JSON, for the summary line `.ci/run` prints.
    reporters: process.env.CI === 'true' ? ['default', 'json'] : ['default'],
    outputFile: { json: '.tmp/vitest-results.json' },
    testTimeout: 30_000,
    hookTimeout: 30_000,
    projects: [
      {
        // Inherit the root options (timeouts) that inline projects would otherwise drop.
        extends: true,
        test: {
          name: 'core',
          include: ['test/core/**/*.test.ts'],
        },
      },
      {
        // Inherit the root options (timeouts) that inline projects would otherwise drop.
        extends: true,
        test: {
          name: 'sqlite',
          include: backendSuite,
          exclude: ['**/*.pg.test.ts', '**/node_modules/**'],
          env: { TEST_DB: 'sqlite' },
        },
      },
      {
        // Inherit the root options (timeouts) that inline projects would otherwise drop.
        extends: true,
        test: {
          name: 'postgres',
          include: backendSuite,
          exclude: ['**/*.sqlite.test.ts', '**/node_modules/**'],
          env: { TEST_DB: 'postgres' },
          // Probes the server once: fails under CI=true without it, skips loudly otherwise.
          globalSetup: ['test/helpers/pg-global-setup.ts'],
          setupFiles: ['test/helpers/pg-setup.ts'],
        },
      },
    ],
  },
});
