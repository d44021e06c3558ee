/** setupFile of the postgres project: skips every test when globalSetup found no server. */
import { beforeEach, inject } from 'vitest';

if (!inject('pgAvailable')) {
  beforeEach((context) => {
    context.skip('PostgreSQL is not reachable (see the warning at the start of the run)');
  });
}
