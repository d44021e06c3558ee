/**
 * The start form of a workflow, derived from the JSON Schema of its input (`inputSchema`, what
 * zod 4 emits for the workflow's `input`, draft 2020-12). Pure: the schema becomes a list of
 * fields, the inputs' text becomes a context, and the server's validation issues go back to the
 * fields they name. The component (`components/start-form.tsx`) only draws what this decides.
 *
 * Only top-level properties get fields: strings (an `enum` or `const` becomes a select,
 * `format: date` / `date-time` a date or date-time input), numbers, integers and booleans.
 * Anything else (objects, arrays, unions, nullable types, `$ref`s) gets a JSON textarea for that
 * property, and a schema that is not an object with properties gets one JSON editor for the whole
 * context. The server checks the context against the full schema either way; the form's own
 * checks are only those it needs to build JSON (a number that is not one, JSON that does not
 * parse), so the server's message is what a person reads for everything else.
 */

/** A JSON object: a schema, or a context. */
export type JsonObject = Record<string, unknown>;

/** The input a field is drawn as. */
export type FieldKind =
  'text' | 'select' | 'date' | 'datetime' | 'number' | 'integer' | 'checkbox' | 'json';

/** One field of the form: one top-level property of the input. */
export interface FormField {
  /** The property's name: the context key. */
  readonly name: string;
  readonly kind: FieldKind;
  /** Listed in the schema's `required`. */
  readonly required: boolean;
  /** The schema's `description` (and `title`, when it has one), shown as help text. */
  readonly help: string | null;
  /** For `select`: the values offered (usually strings). */
  readonly options: readonly unknown[];
  /** Bounds shown on number inputs and text lengths; the server enforces them. */
  readonly min: number | null;
  readonly max: number | null;
  /** The schema's `default`, if it declares one. */
  readonly defaultValue: unknown;
}

/** What the form looks like for a schema. */
export type FormPlan =
  | { readonly kind: 'fields'; readonly fields: readonly FormField[] }
  /** One JSON editor for the whole context; `reason` says why there are no fields. */
  | { readonly kind: 'json'; readonly reason: string | null };

/** What the inputs hold: text for most, a flag for checkboxes. */
export type FormValues = Readonly<Record<string, string | boolean>>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The form for `schema` (null: the workflow declares no input schema). */
export function planForm(schema: JsonObject | null): FormPlan {
  if (schema === null) return { kind: 'json', reason: null };
  const properties = schema['properties'];
  const type = schema['type'];
  if ((type !== undefined && type !== 'object') || !isObject(properties)) {
    return {
      kind: 'json',
      reason: 'The input schema is not an object with named properties, so it has no fields.',
    };
  }
  const names = Object.keys(properties);
  if (names.length === 0) {
    return { kind: 'json', reason: 'The input schema names no properties.' };
  }
  const required = new Set(
    Array.isArray(schema['required'])
      ? schema['required'].filter((r): r is string => typeof r === 'string')
      : [],
  );
  const fields = names.map((name) => {
    const property = properties[name];
    return fieldOf(name, isObject(property) ? property : {}, required.has(name));
  });
  return { kind: 'fields', fields };
}

function numberOr(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function fieldOf(name: string, property: JsonObject, required: boolean): FormField {
  const description = typeof property['description'] === 'string' ? property['description'] : null;
  const title = typeof property['title'] === 'string' ? property['title'] : null;
  const help = [title, description].filter((t) => t !== null).join(' — ') || null;
  const base = {
    name,
    required,
    help,
    options: [] as unknown[],
    min: null,
    max: null,
    defaultValue: property['default'],
  };
  const type = property['type'];
  const choices =
    property['const'] !== undefined
      ? [property['const']]
      : Array.isArray(property['enum'])
        ? property['enum']
        : null;
  const mappable = property['anyOf'] === undefined && property['oneOf'] === undefined;
  if (!mappable || (type !== undefined && typeof type !== 'string'))
    return { ...base, kind: 'json' };
  if (choices !== null) {
    const primitive = choices.every(
      (c) => typeof c === 'string' || typeof c === 'number' || typeof c === 'boolean',
    );
    return primitive && choices.length > 0
      ? { ...base, kind: 'select', options: choices }
      : { ...base, kind: 'json' };
  }
  switch (type) {
    case 'string': {
      const format = property['format'];
      const kind = format === 'date' ? 'date' : format === 'date-time' ? 'datetime' : 'text';
      return {
        ...base,
        kind,
        min: numberOr(property['minLength']),
        max: numberOr(property['maxLength']),
      };
    }
    case 'number':
    case 'integer':
      return {
        ...base,
        kind: type,
        min: numberOr(property['minimum']),
        max: numberOr(property['maximum']),
      };
    case 'boolean':
      return { ...base, kind: 'checkbox' };
    default:
      return { ...base, kind: 'json' };
  }
}

/** `2026-12-05T10:00:00.000Z` as a `datetime-local` value in the viewer's zone. */
export function isoToLocalInput(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
  );
}

/** A `datetime-local` value (the viewer's zone) as an ISO 8601 instant in UTC, or null. */
export function localInputToIso(value: string): string | null {
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** What each input holds at first: the schema's defaults, else empty. */
export function initialValues(fields: readonly FormField[]): FormValues {
  const values: Record<string, string | boolean> = {};
  for (const field of fields) values[field.name] = initialValue(field);
  return values;
}

function initialValue(field: FormField): string | boolean {
  const value = field.defaultValue;
  switch (field.kind) {
    case 'checkbox':
      return value === true;
    case 'select': {
      // A required choice with a single option needs no picking; otherwise start unset.
      const chosen =
        value !== undefined
          ? field.options.findIndex((o) => o === value)
          : field.required && field.options.length === 1
            ? 0
            : -1;
      return chosen < 0 ? '' : String(chosen);
    }
    case 'datetime':
      return typeof value === 'string' ? isoToLocalInput(value) : '';
    case 'json':
      return value === undefined ? '' : JSON.stringify(value, null, 2);
    default:
      // A default of another type than the field's (a schema quirk) is shown as its JSON.
      return typeof value === 'string' || typeof value === 'number'
        ? String(value)
        : value === undefined || value === null
          ? ''
          : JSON.stringify(value);
  }
}

/** The context the inputs make, or the fields whose text cannot become JSON. */
export type Built =
  | { readonly ok: true; readonly context: JsonObject }
  | { readonly ok: false; readonly errors: Readonly<Record<string, string>> };

/**
 * Builds the context from the inputs. An empty input is left out (the server then applies the
 * default, or says the property is required); a checkbox always sends its flag.
 */
export function buildContext(fields: readonly FormField[], values: FormValues): Built {
  const context: JsonObject = {};
  const errors: Record<string, string> = {};
  for (const field of fields) {
    const raw = values[field.name];
    if (field.kind === 'checkbox') {
      context[field.name] = raw === true;
      continue;
    }
    const text = typeof raw === 'string' ? raw : '';
    if (text.trim() === '') continue;
    const result = valueOf(field, text);
    if ('error' in result) errors[field.name] = result.error;
    else context[field.name] = result.value;
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, context };
}

function valueOf(field: FormField, text: string): { value: unknown } | { error: string } {
  switch (field.kind) {
    case 'select': {
      const option = field.options[Number(text)];
      return option === undefined ? { error: 'Pick one of the values.' } : { value: option };
    }
    case 'number':
    case 'integer': {
      const n = Number(text.trim());
      if (!Number.isFinite(n)) return { error: `${JSON.stringify(text)} is not a number.` };
      if (field.kind === 'integer' && !Number.isInteger(n)) {
        return { error: `${text.trim()} is not a whole number.` };
      }
      return { value: n };
    }
    case 'datetime': {
      const iso = localInputToIso(text);
      return iso === null ? { error: 'Not a date and time.' } : { value: iso };
    }
    case 'json': {
      try {
        return { value: JSON.parse(text) as unknown };
      } catch (error) {
        return { error: `Not valid JSON: ${(error as Error).message}` };
      }
    }
    default:
      return { value: text };
  }
}

/** Parses the whole-context JSON editor: a JSON object, or why not. */
export function parseContextText(
  text: string,
):
  | { readonly ok: true; readonly context: JsonObject }
  | { readonly ok: false; readonly error: string } {
  if (text.trim() === '') return { ok: true, context: {} };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, error: `Not valid JSON: ${(error as Error).message}` };
  }
  if (!isObject(value)) {
    const what = Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value;
    return { ok: false, error: `The context must be a JSON object ({…}), not ${what}.` };
  }
  return { ok: true, context: value };
}

/** The server's validation issues, placed by field. */
export interface PlacedIssues {
  /** Messages by field name (a nested path keeps its tail: `limit: must be ≥ 1`). */
  readonly byField: Readonly<Record<string, readonly string[]>>;
  /** Issues that name no field (the whole input, or a property the form has no field for). */
  readonly unmatched: readonly string[];
}

/**
 * Places each issue (`path` is the server's dot-joined path, `''` for the whole input) on the
 * field whose name is the path or its longest prefix at a dot, since property names may hold dots
 * themselves.
 */
export function placeIssues(
  issues: readonly { readonly path: string; readonly message: string }[],
  fields: readonly FormField[],
): PlacedIssues {
  const byField: Record<string, string[]> = {};
  const unmatched: string[] = [];
  const names = fields.map((f) => f.name).sort((a, b) => b.length - a.length);
  for (const issue of issues) {
    const name = names.find((n) => issue.path === n || issue.path.startsWith(`${n}.`));
    if (name === undefined) {
      unmatched.push(issue.path === '' ? issue.message : `${issue.path}: ${issue.message}`);
      continue;
    }
    const rest = issue.path.slice(name.length + 1);
    (byField[name] ??= []).push(rest === '' ? issue.message : `${rest}: ${issue.message}`);
  }
  return { byField, unmatched };
}
