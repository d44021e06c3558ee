/** The DAG shapes the workloads run: a chain and a fan-out-fan-in, each step running `body`. */
import { task, type TaskDefinition } from '../src/index.js';

/** `length` tasks, each depending on the one before. */
export function chain(length: number, body: () => void): TaskDefinition[] {
  return Array.from({ length }, (_, i) =>
    task({ id: `s${i}`, dependencies: i === 0 ? [] : [`s${i - 1}`] }, body),
  );
}

/** A root, `width` parallel tasks after it, and a join after all of them. */
export function fanOutIn(width: number, body: () => void): TaskDefinition[] {
  const middle = Array.from({ length: width }, (_, i) =>
    task({ id: `p${i}`, dependencies: ['root'] }, body),
  );
  return [
    task({ id: 'root' }, body),
    ...middle,
    task({ id: 'join', dependencies: middle.map((t) => t.id) }, body),
  ];
}
