/** Where Debian's Chromium is, and the flags it runs with under test. */

/** The Chromium binary: `CLOACINA_CHROMIUM`, or Debian's `chromium` package. */
export function chromiumPath(): string {
  return process.env.CLOACINA_CHROMIUM ?? '/usr/bin/chromium';
}

/**
 * Headless, as root in a container, on a machine with no network beyond loopback: without the
 * background-networking flags Chromium keeps trying to reach Google's hosts.
 */
export const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-quic',
];
