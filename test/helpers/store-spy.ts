/**
 * A store wrapper for tests that watch what the engine asks of its store: each named method
 * runs `before` with its arguments, then the real method; every other member is the store's.
 */
import type { Store } from '../../src/store/store.js';

/** What to record before a method runs, by method name. */
export type StoreSpies = Partial<Record<keyof Store, (...args: never[]) => void>>;

/** Wraps a store (for the `WRAP_STORE` runner option) so that `spies` see their calls. */
export function spyOnStore(spies: StoreSpies): (store: Store) => Store {
  return (store) =>
    new Proxy(store, {
      get: (target, property) => {
        const value: unknown = Reflect.get(target, property, target);
        if (typeof value !== 'function') return value;
        const method = value as (...args: unknown[]) => unknown;
        const spy = spies[property as keyof Store] as ((...args: unknown[]) => void) | undefined;
        if (spy === undefined) return method.bind(target);
        return (...args: unknown[]) => {
          spy(...args);
          return method.apply(target, args);
        };
      },
    });
}
