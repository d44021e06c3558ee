/** Layout checks shared by browser tests. */
import type { Page } from 'playwright-core';

/** True when the page does not scroll sideways (wide tables scroll inside their own box). */
export async function noSideScroll(page: Page): Promise<boolean> {
  // A string, evaluated in the page: this file is type-checked without the DOM's types.
  return page.evaluate<boolean>(
    'document.documentElement.scrollWidth <= document.documentElement.clientWidth',
  );
}
