/**
 * A cron expression in words ("At 09:00, Monday through Friday"), read the way the engine reads
 * it (`src/core/cron.ts`): 5 fields, or 6 with a leading **seconds** field, or one of the
 * nicknames the engine accepts. cronstrue alone guesses what a 6-field expression means (a
 * trailing 4-digit field is a year to it) and accepts a 7th year field and `@reboot`, none of
 * which the engine runs, so the shape is settled here first and cronstrue only words it.
 */
import cronstrue from 'cronstrue';

/** The nicknames the engine expands (it has no `@reboot`: there is no reboot event). */
const NICKNAMES = new Set([
  '@yearly',
  '@annually',
  '@monthly',
  '@weekly',
  '@daily',
  '@midnight',
  '@hourly',
]);

/** An expression in words, or why it cannot be read. */
export type CronWords =
  { readonly ok: true; readonly text: string } | { readonly ok: false; readonly text: string };

/**
 * Describes `expression` in English with a 24-hour clock. Never throws: an expression the engine
 * would refuse gives `{ ok: false, text }` with the reason, so a page can show it beside the raw
 * expression instead of failing.
 */
export function cronInWords(expression: string): CronWords {
  const trimmed = expression.trim();
  if (trimmed === '') return { ok: false, text: 'No expression.' };
  if (trimmed.startsWith('@')) {
    const nickname = trimmed.toLowerCase();
    if (!NICKNAMES.has(nickname)) {
      return {
        ok: false,
        text: `Unknown nickname ${trimmed}: the engine accepts ${[...NICKNAMES].join(', ')}.`,
      };
    }
    return describe(nickname);
  }
  const fields = trimmed.split(/\s+/);
  if (fields.length === 7) {
    return { ok: false, text: 'Seven fields: a year field is not supported (5 or 6 fields).' };
  }
  if (fields.length !== 5 && fields.length !== 6) {
    return {
      ok: false,
      text: `${fields.length} field${fields.length === 1 ? '' : 's'}: an expression has 5 fields, or 6 with leading seconds.`,
    };
  }
  // Six fields are always seconds-first to the engine; a `*` year makes cronstrue read them so.
  return describe(fields.length === 6 ? `${fields.join(' ')} *` : fields.join(' '));
}

function describe(expression: string): CronWords {
  try {
    const text = cronstrue.toString(expression, {
      use24HourTimeFormat: true,
      throwExceptionOnParseError: true,
    });
    return { ok: true, text };
  } catch (error) {
    // cronstrue throws strings or Errors, phrased "minutes part must be >= 0 and <= 59".
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, text: `Not a valid expression: ${reason.replace(/^Error:\s*/, '')}` };
  }
}
