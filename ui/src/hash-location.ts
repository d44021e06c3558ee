/**
 * Hash routing with the query inside the hash: `#/executions?workflow=etl&status=Failed`. The
 * whole view (route and filters) lives after the `#`, so a copied link reproduces it and the
 * server never sees it. wouter's own hash hook keeps a query in `location.search` (before the `#`)
 * and matches routes against the whole hash, so the app's router uses this hook instead.
 */
import { useEffect, useState } from 'preact/hooks';

/** The hash without its `#` and leading `/`: `executions?workflow=etl`. */
function rawHash(): string {
  return location.hash.replace(/^#?\/?/, '');
}

/** The route part of the hash: `/executions`. */
export function hashPath(): string {
  const raw = rawHash();
  const q = raw.indexOf('?');
  return `/${q < 0 ? raw : raw.slice(0, q)}`;
}

/** The query part of the hash, without its `?`: `workflow=etl&status=Failed`. */
export function hashSearch(): string {
  const raw = rawHash();
  const q = raw.indexOf('?');
  return q < 0 ? '' : raw.slice(q + 1);
}

/**
 * Goes to `to` (`/executions?status=Failed`), query included, as a new history entry (or in place
 * with `replace`), and tells the listeners as a real hash change would.
 */
export function navigateHash(to: string, options: { replace?: boolean } = {}): void {
  const oldURL = location.href;
  const url = new URL(oldURL);
  url.hash = `/${to.replace(/^#?\/?/, '')}`;
  if (url.href === oldURL) return;
  history[options.replace === true ? 'replaceState' : 'pushState'](null, '', url.href);
  dispatchEvent(new HashChangeEvent('hashchange', { oldURL, newURL: url.href }));
}

/** Re-renders on every hash change with `read()` of the new hash. */
function useHashValue(read: () => string): string {
  const [value, setValue] = useState(read);
  useEffect(() => {
    const update = () => setValue(read());
    addEventListener('hashchange', update);
    // A change between the first render and this effect.
    update();
    return () => removeEventListener('hashchange', update);
  }, [read]);
  return value;
}

/**
 * The router's location hook: `[path, navigate]`, the path without the query (routes match
 * `/executions` whatever the filters).
 */
export function useHashRoute(): [string, (to: string, options?: { replace?: boolean }) => void] {
  return [useHashValue(hashPath), navigateHash];
}
/** Links render as `#/path`. */
useHashRoute.hrefs = (href: string): string => `#${href}`;
/** wouter's `useSearch()` reads the hash's query. */
useHashRoute.searchHook = (): string => useHashValue(hashSearch);

/** The hash's query as parameters, re-read on every change. */
export function useHashQuery(): URLSearchParams {
  const search = useHashValue(hashSearch);
  return new URLSearchParams(search);
}

/** `path?query` with the empty parameters left out (no `?` when none are left). */
export function withQuery(path: string, params: Record<string, string | null | undefined>): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== '') query.set(name, value);
  }
  const text = query.toString();
  return text === '' ? path : `${path}?${text}`;
}
