/** A cron schedule's catch-up policy in words (what happens to times missed while no runner was up). */
export function catchupWords(policy: string): string {
  switch (policy) {
    case 'skip':
      return 'skip: run the latest missed time once';
    case 'run_all':
      return 'run all: each missed time, oldest first';
    default:
      return policy;
  }
}
