/**
 * The moment a page first shows its data, as a browser performance mark
 * (`cloacina:first-view`), which the UI benchmark (`bench/ui.ts`) reads with
 * `performance.getEntriesByName`. One mark per page visit.
 */
import { useLayoutEffect, useRef } from 'preact/hooks';

/** The name of the mark. */
export const FIRST_VIEW_MARK = 'cloacina:first-view';

/** Marks {@link FIRST_VIEW_MARK} once, after the render in which `ready` first holds. */
export function useFirstView(ready: boolean): void {
  const marked = useRef(false);
  // A layout effect runs once the DOM holds the data, before the browser paints it.
  useLayoutEffect(() => {
    if (!ready || marked.current) return;
    marked.current = true;
    performance.mark(FIRST_VIEW_MARK);
  }, [ready]);
}
