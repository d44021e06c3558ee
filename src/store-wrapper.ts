/**
 * The store-wrapper option of the composition root: the test kit (`cloacina/testing`) hands
 * `DefaultRunner.create` a function under this symbol that wraps the opened store, to see the
 * operations in flight and know when the work a virtual-clock step started has settled. Like the
 * faults option, the symbol is not exported by the package's entry points, and config
 * validation reads string keys only.
 *
 * @internal
 */
import type { Store } from './store/store.js';

/** The key of the store-wrapper option. @internal */
export const WRAP_STORE: unique symbol = Symbol('cloacina.wrapStore');

/** What `DefaultRunner.create` accepts to wrap its store. @internal */
export interface WrapStoreOption {
  readonly [WRAP_STORE]?: (store: Store) => Store;
}
