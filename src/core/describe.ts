/**
 * Renders a value received from a user for an error message. Messages must show what was
 * received, but a huge object or a throwing `toString` must never make the error itself fail.
 */

const MAX_LENGTH = 80;

/**
 * A short, safe description of any value for error messages: strings quoted, numbers as
 * written, objects as truncated JSON, functions and class instances by their name.
 *
 * @example describeValue('5x') // => "'5x'"
 */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return truncate(`'${value}'`);
    case 'number':
    case 'boolean':
      return String(value);
    case 'bigint':
      return `${value}n (a bigint)`;
    case 'undefined':
      return 'undefined';
    case 'symbol':
      return `${value.description === undefined ? 'a symbol' : `Symbol(${value.description})`}`;
    case 'function':
      return value.name === '' ? 'an anonymous function' : `function ${value.name}`;
    default:
      return describeObject(value as object | null);
  }
}

function describeObject(value: object | null): string {
  if (value === null) return 'null';
  const proto: unknown = Object.getPrototypeOf(value);
  if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) {
    return `${constructorName(value)} instance`;
  }
  try {
    // JSON.stringify yields undefined only for a toJSON() that returns nothing.
    const text: string | undefined = JSON.stringify(value);
    return truncate(text ?? 'an object');
  } catch {
    // Cycles and bigints make JSON.stringify throw; the kind is still useful.
    return Array.isArray(value) ? 'an array' : 'an object';
  }
}

/** The constructor name of a class instance with an article, e.g. `a Date`, `an Error`. */
export function constructorName(value: object): string {
  const ctor: unknown = (value as { constructor?: unknown }).constructor;
  const name = typeof ctor === 'function' && ctor.name !== '' ? ctor.name : 'anonymous class';
  return `${/^[AEIOU]/i.test(name) ? 'an' : 'a'} ${name}`;
}

function truncate(text: string): string {
  return text.length > MAX_LENGTH ? `${text.slice(0, MAX_LENGTH - 1)}…` : text;
}
