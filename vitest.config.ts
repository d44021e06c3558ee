import { defineConfig } from 'vitest/config';

/**
 * Projects: `core` needs no database; `sqlite` runs the engine suite on real SQLite files.
 * The same engine suite runs once per backend, selected by `TEST_DB`.
 */
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    projects: [
      {
        test: {
          name: 'core',
          include: ['test/core/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'sqlite',
          include: ['test/{store,engine,acceptance}/**/*.test.ts'],
          exclude: ['**/*.pg.test.ts'],
          env: { TEST_DB: 'sqlite' },
        },
      },
    ],
  },
});
