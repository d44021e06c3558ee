import { defineConfig } from 'vitest/config';

/** The engine suite: the same files run once per backend, selected by `TEST_DB`. */
const backendSuite = ['test/{store,engine,acceptance,cli,server,testing}/**/*.test.ts'];

/**
 * Projects: `core` needs no database; `sqlite` runs the engine suite on real SQLite files;
 * `postgres` runs the same suite on the server at `CLOACINA_TEST_PG_URL`, each test in a schema of
 * its own (dialect-only files: `*.sqlite.test.ts`, `*.pg.test.ts`).
 */
export default defineConfig({
  // The web UI's components (tested in the `ui` project) are Preact JSX.
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
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
      {
        // The web UI's pieces with logic (DAG colouring, cron in words, JSON viewer), rendered
        // into happy-dom's document.
        extends: true,
        test: {
          name: 'ui',
          include: ['test/ui/**/*.test.{ts,tsx}'],
          environment: 'happy-dom',
        },
      },
      {
        // The web UI end to end in Debian's Chromium, against a real server on SQLite.
        extends: true,
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          exclude: ['**/*.pg.test.ts', '**/node_modules/**'],
          env: { TEST_DB: 'sqlite' },
          globalSetup: ['test/browser/global-setup.ts'],
          // One Chromium at a time: the machine has two cores and the servers run in-process.
          fileParallelism: false,
        },
      },
      {
        // The same browser, once against a server on PostgreSQL.
        extends: true,
        test: {
          name: 'browser-pg',
          include: ['test/browser/**/*.pg.test.ts'],
          env: { TEST_DB: 'postgres' },
          globalSetup: ['test/helpers/pg-global-setup.ts', 'test/browser/global-setup.ts'],
          setupFiles: ['test/helpers/pg-setup.ts'],
          fileParallelism: false,
        },
      },
    ],
  },
});
