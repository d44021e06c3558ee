/**
 * The faults option of the composition root: crash tests hand `DefaultRunner.create` the
 * faults to inject under this symbol, which the package's entry points do not export, so
 * users neither see it in `RunnerConfig` nor can pass it by mistake. Config validation reads
 * string keys only, so the symbol passes it untouched.
 *
 * @internal
 */
import type { StoreFaults } from './store/faults.js';

/** The key of the faults option. @internal */
export const FAULTS: unique symbol = Symbol('cloacina.faults');

/** Faults injected into a runner: today those of its store. @internal */
export type Faults = StoreFaults;

/** What `DefaultRunner.create` accepts besides `RunnerConfig`. @internal */
export interface FaultsOption {
  readonly [FAULTS]?: Faults;
}
