/** Awaiting a condition in tests: polled every 10 ms, with a deadline and a readable failure. */

/**
 * Polls `predicate` until it returns a value other than `false`, `null` or `undefined`, and
 * resolves with that value; rejects after `timeoutMs` naming `what`.
 */
export async function waitFor<T>(
  predicate: () => T | Promise<T>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await predicate();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
