/**
 * The browser under test: Debian's Chromium driven by `playwright-core`, one browser per test
 * file, one context (its own `sessionStorage`) per page. Pages are opened on a real server
 * (`test/helpers/server.ts`) serving this run's build of the UI. Screenshots go to
 * `.tmp/screenshots/` for a person to look at; they are not committed.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, expect, inject } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.js';
import { freshDatabaseUrl } from '../helpers/backend.js';
import { CHROMIUM_ARGS, chromiumPath } from './chromium.js';

/** The two widths every page must work at. */
export const WIDTHS = { desktop: 1280, phone: 390 } as const;

let browser: Promise<Browser> | undefined;

/** This file's browser (launched on first use, closed after the file's tests). */
export function getBrowser(): Promise<Browser> {
  browser ??= chromium.launch({
    executablePath: chromiumPath(),
    args: CHROMIUM_ARGS,
    headless: true,
  });
  return browser;
}

afterAll(async () => {
  if (browser !== undefined) await (await browser).close();
  browser = undefined;
});

/** A server serving this run's UI build (see `global-setup.ts`). */
export function startUiServer(dbUrl = freshDatabaseUrl()): Promise<TestServer> {
  return startServer(dbUrl, { ui: inject('uiDir') });
}

/** Options of {@link openPage}. */
export interface OpenOptions {
  /** Viewport width in CSS pixels. @default 1280 */
  readonly width?: number;
  /** An API key to enter at the prompt; null to stay on the prompt. */
  readonly key?: string | null;
  /** The system colour scheme the page sees. @default 'light' */
  readonly colorScheme?: 'light' | 'dark';
  /** Where to go after the key, e.g. `#/executions/…`. @default the overview */
  readonly hash?: string;
  /** The IANA time zone the page sees. @default the machine's */
  readonly timezoneId?: string;
}

/**
 * Opens the UI in a fresh browser context (empty `sessionStorage`) and, with `key`, enters it at
 * the prompt and waits for the app. Failed requests and page errors fail the test at `close`.
 */
export async function openPage(server: TestServer, options: OpenOptions = {}): Promise<Page> {
  const b = await getBrowser();
  const context = await b.newContext({
    viewport: { width: options.width ?? WIDTHS.desktop, height: 900 },
    colorScheme: options.colorScheme ?? 'light',
    ...(options.timezoneId === undefined ? {} : { timezoneId: options.timezoneId }),
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  pageErrors.set(page, errors);
  await page.goto(`${server.url}/${options.hash ?? ''}`);
  if (options.key !== undefined && options.key !== null) await enterKey(page, options.key);
  return page;
}

const pageErrors = new WeakMap<Page, string[]>();

/** Enters `key` at the prompt and waits for the navigation bar. */
export async function enterKey(page: Page, key: string): Promise<void> {
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Open' }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
}

/** Asserts the page threw no uncaught error, and closes its context. */
export async function closePage(page: Page): Promise<void> {
  expect(pageErrors.get(page) ?? []).toEqual([]);
  await page.context().close();
}

const SHOTS = fileURLToPath(new URL('../../.tmp/screenshots/', import.meta.url));

/** Writes a full-page screenshot to `.tmp/screenshots/<name>.png` and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SHOTS, { recursive: true });
  const path = `${SHOTS}${name}.png`;
  await page.screenshot({ path, fullPage: true });
  return path;
}
