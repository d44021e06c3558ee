/**
 * globalSetup of the postgres project: checks once that the server is reachable. Without it the
 * project fails under CI=true and is skipped, loudly, otherwise (see pg-setup.ts).
 */
import type { TestProject } from 'vitest/node';
import { PG_URL, probePostgres } from './pg.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Set by the postgres project's globalSetup: false when the server is unreachable. */
    pgAvailable: boolean;
  }
}

export default async function setup(project: TestProject): Promise<void> {
  const probe = await probePostgres();
  const shown = PG_URL.replace(/\/\/[^@]*@/, '//***@');
  if (!probe.ok) {
    if (process.env.CI === 'true') {
      throw new Error(
        `PostgreSQL is not reachable at ${shown} (${probe.reason}); CI requires it. ` +
          'Start the server or set CLOACINA_TEST_PG_URL.',
      );
    }
    const line = '!'.repeat(100);
    console.warn(
      `\n${line}\n!! SKIPPING the postgres project: PostgreSQL is not reachable at ${shown}\n` +
        `!! (${probe.reason}).\n!! Start the server or set CLOACINA_TEST_PG_URL; under CI=true this fails.\n${line}\n`,
    );
  }
  project.provide('pgAvailable', probe.ok);
}
