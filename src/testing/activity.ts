/**
 * How the test kit knows that the work a step started has settled: every engine step that
 * changes or reads state is a store operation, so a store wrapped here counts the operations
 * in flight, and the work has settled once none ran for a few turns of the event loop.
 */
import type { Store } from '../store/store.js';

/** Counts the store operations in flight and those ever started. */
export class StoreActivity {
  /** Operations started and not yet settled. */
  inFlight = 0;
  /** Operations started, plus those settled: any change means work moved. */
  changes = 0;

  /** Wraps `store` so its asynchronous operations are counted; everything else passes through. */
  wrap(store: Store): Store {
    const wrapped = new Map<PropertyKey, unknown>();
    return new Proxy(store, {
      get: (target, property) => {
        const value: unknown = Reflect.get(target, property, target);
        if (typeof value !== 'function') return value;
        let fn = wrapped.get(property);
        if (fn === undefined) {
          const method = value as (...args: unknown[]) => unknown;
          fn = (...args: unknown[]): unknown => this.#counted(method.apply(target, args));
          wrapped.set(property, fn);
        }
        return fn;
      },
    });
  }

  #counted(result: unknown): unknown {
    if (!(result instanceof Promise)) return result;
    this.inFlight += 1;
    this.changes += 1;
    const settled = (): void => {
      this.inFlight -= 1;
      this.changes += 1;
    };
    // The caller handles the outcome; this branch only counts it.
    result.then(settled, settled);
    return result;
  }
}
