/** The version `cloacinactl --version` prints: the package's own, read when asked. */
import { readFileSync } from 'node:fs';

/**
 * The `version` of the package this CLI belongs to. The file is read at run time rather than
 * copied in at build time, so a release never prints a stale number; `package.json` is two
 * levels up both from `src/cli/` in a checkout and from `dist/cli/` in the installed package.
 */
export function packageVersion(): string {
  const manifest = JSON.parse(
    readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
  ) as { version?: unknown };
  return typeof manifest.version === 'string' ? manifest.version : 'unknown';
}
