/** Small timer helpers that never keep the process alive on their own. */

/** Runs `fn` every `ms` until the returned function is called. */
export function every(ms: number, fn: () => void): () => void {
  const handle = setInterval(fn, ms);
  handle.unref();
  return () => clearInterval(handle);
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) return resolve();
    const handle = setTimeout(done, ms);
    function done(): void {
      clearTimeout(handle);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
