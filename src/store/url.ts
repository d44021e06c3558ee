/** Database URL parsing: which backend, and how to open it. */
import { ConfigError } from '../errors.js';

/** A parsed database location. */
export type DatabaseLocation =
  | { readonly kind: 'sqlite'; readonly path: string; readonly synchronous: 'full' | 'normal' }
  | { readonly kind: 'postgres'; readonly url: string };

const ACCEPTED =
  "Accepted forms: 'sqlite://path/to.db', 'sqlite::memory:', 'sqlite://:memory:', a bare file path " +
  "such as './app.db', 'postgres://user@host:5432/db' or 'postgresql://...'.";

/** Parses a database URL; anything else is a `ConfigError` naming the accepted forms. */
export function parseDatabaseUrl(url: unknown): DatabaseLocation {
  if (typeof url !== 'string' || url.trim() === '') {
    throw new ConfigError(
      `database URL must be a non-empty string, received ${JSON.stringify(url)}. ${ACCEPTED}`,
    );
  }
  const text = url.trim();
  if (/^postgres(ql)?:\/\//i.test(text)) return { kind: 'postgres', url: text };
  if (text === 'sqlite::memory:' || text === 'sqlite://:memory:' || text === ':memory:') {
    return { kind: 'sqlite', path: ':memory:', synchronous: 'full' };
  }
  let rest: string;
  if (/^sqlite:\/\//i.test(text)) {
    rest = text.slice('sqlite://'.length);
  } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text) || /^sqlite:/i.test(text)) {
    throw new ConfigError(`unsupported database URL '${text}'. ${ACCEPTED}`);
  } else {
    rest = text;
  }
  const [path = '', query = ''] = rest.split('?', 2);
  if (path === '') throw new ConfigError(`database URL '${text}' has no file path. ${ACCEPTED}`);
  let synchronous: 'full' | 'normal' = 'full';
  for (const pair of query.split('&').filter((p) => p !== '')) {
    const [key, value = ''] = pair.split('=', 2);
    if (
      key === 'synchronous' &&
      (value.toLowerCase() === 'full' || value.toLowerCase() === 'normal')
    ) {
      synchronous = value.toLowerCase() as 'full' | 'normal';
    } else if (key === 'mode') {
      // Accepted for compatibility with the original's `?mode=rwc`: files are always created.
    } else {
      throw new ConfigError(
        `unsupported SQLite URL option '${pair}' in '${text}'. Supported: synchronous=full|normal.`,
      );
    }
  }
  return { kind: 'sqlite', path: path === ':memory:' ? ':memory:' : path, synchronous };
}
