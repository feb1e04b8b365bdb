/**
 * Forms from a task's input schema (JSON Schema, as GET /api/tasks shows it).
 *
 * Only what a form shows plainly: an object whose properties are strings,
 * numbers, integers, booleans or enums, with their required marks and bounds.
 * For anything else `formFields` answers null and the dashboard falls back to
 * a JSON field, leaving the check to the server (its 400 names the path).
 * The dashboard checks the form itself rather than with ajv: ajv compiles
 * schemas to code with `new Function`, which the dashboard's CSP forbids.
 */
import type { Json } from '@cadre/client';

export type FieldKind = 'string' | 'number' | 'integer' | 'boolean' | 'enum';

export interface FormField {
  name: string;
  kind: FieldKind;
  required: boolean;
  description: string | null;
  /** Inclusive bounds of a number. */
  minimum: number | null;
  maximum: number | null;
  /** Exclusive bounds of a number. */
  exclusiveMinimum: number | null;
  exclusiveMaximum: number | null;
  minLength: number | null;
  maxLength: number | null;
  pattern: string | null;
  /** The choices of an enum (a boolean's are true and false). */
  options: readonly Json[];
  default: Json | undefined;
}

/** What the person typed, by field name: text for inputs, an option's JSON for selects. */
export type FormValues = Record<string, string>;

export type FormResult =
  { ok: true; input: { [key: string]: Json } } | { ok: false; errors: Record<string, string> };

const ROOT_KEYS = new Set([
  '$schema',
  '$id',
  '$comment',
  'title',
  'description',
  'type',
  'properties',
  'required',
  'additionalProperties',
  'default',
  'examples',
]);
const FIELD_KEYS = new Set([
  '$comment',
  'title',
  'description',
  'type',
  'enum',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minLength',
  'maxLength',
  'pattern',
  'format',
  'default',
  'examples',
]);

type Schema = Record<string, unknown>;

const isObject = (v: unknown): v is Schema =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);

/** The fields of a form for `schema`, or null when a form cannot show it (use JSON). */
export function formFields(schema: unknown): FormField[] | null {
  if (!isObject(schema) || schema.type !== 'object' || !isObject(schema.properties)) return null;
  if (Object.keys(schema).some((k) => !ROOT_KEYS.has(k))) return null;
  const properties = schema.properties;
  const required: unknown[] = Array.isArray(schema.required) ? schema.required : [];
  const fields: FormField[] = [];
  for (const [name, prop] of Object.entries(properties)) {
    const field = toField(name, prop, required.includes(name));
    if (field === null) return null;
    fields.push(field);
  }
  // Required properties the form does not list could never be given.
  if (required.some((r) => typeof r !== 'string' || !Object.hasOwn(properties, r))) return null;
  return fields.length > 0 ? fields : null;
}

function toField(name: string, prop: unknown, required: boolean): FormField | null {
  if (!isObject(prop) || Object.keys(prop).some((k) => !FIELD_KEYS.has(k))) return null;
  let kind: FieldKind;
  let options: readonly Json[] = [];
  if (Array.isArray(prop.enum)) {
    if (!prop.enum.every((v) => ['string', 'number', 'boolean'].includes(typeof v))) return null;
    kind = 'enum';
    options = prop.enum as Json[];
  } else if (
    prop.type === 'string' ||
    prop.type === 'number' ||
    prop.type === 'integer' ||
    prop.type === 'boolean'
  ) {
    kind = prop.type;
    if (kind === 'boolean') options = [true, false];
  } else {
    return null;
  }
  return {
    name,
    kind,
    required,
    description: typeof prop.description === 'string' ? prop.description : null,
    minimum: num(prop.minimum),
    maximum: num(prop.maximum),
    exclusiveMinimum: num(prop.exclusiveMinimum),
    exclusiveMaximum: num(prop.exclusiveMaximum),
    minLength: num(prop.minLength),
    maxLength: num(prop.maxLength),
    pattern: typeof prop.pattern === 'string' ? prop.pattern : null,
    options,
    default: prop.default as Json | undefined,
  };
}

/** The form's values for `input` (a job's, or a sample); fields it lacks take their default. */
export function formValues(fields: readonly FormField[], input: Json | undefined): FormValues {
  const given: Schema = isObject(input) ? input : {};
  const values: FormValues = {};
  for (const f of fields) {
    const v = Object.hasOwn(given, f.name) ? given[f.name] : f.default;
    if (v === undefined || v === null) values[f.name] = '';
    else if (f.kind === 'enum' || f.kind === 'boolean') values[f.name] = JSON.stringify(v);
    else values[f.name] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  return values;
}

/**
 * Checks the form and builds the input, or says what is wrong with each
 * field (in the server's words: 'must be <= 40'). Keys of `base` the form does
 * not show (a retried job's extra fields) are kept.
 */
export function formInput(
  fields: readonly FormField[],
  values: FormValues,
  base?: Json,
): FormResult {
  const shown = new Set(fields.map((f) => f.name));
  const input: { [key: string]: Json } = {};
  if (isObject(base)) {
    for (const [k, v] of Object.entries(base)) if (!shown.has(k)) input[k] = v as Json;
  }
  const errors: Record<string, string> = {};
  for (const f of fields) {
    const raw = values[f.name] ?? '';
    if (raw === '') {
      if (f.required) errors[f.name] = 'is required';
      continue;
    }
    const parsed = parseField(f, raw);
    if ('error' in parsed) errors[f.name] = parsed.error;
    else input[f.name] = parsed.value;
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, input };
}

function parseField(f: FormField, raw: string): { value: Json } | { error: string } {
  switch (f.kind) {
    case 'enum':
    case 'boolean': {
      const allowed = f.options.map((o) => JSON.stringify(o));
      return allowed.includes(raw)
        ? { value: JSON.parse(raw) as Json }
        : { error: `must be one of ${allowed.join(', ')}` };
    }
    case 'number':
    case 'integer': {
      const n = raw.trim() === '' ? NaN : Number(raw);
      if (!Number.isFinite(n)) return { error: `must be ${f.kind}` };
      if (f.kind === 'integer' && !Number.isInteger(n)) return { error: 'must be integer' };
      if (f.minimum !== null && n < f.minimum) return { error: `must be >= ${f.minimum}` };
      if (f.maximum !== null && n > f.maximum) return { error: `must be <= ${f.maximum}` };
      if (f.exclusiveMinimum !== null && n <= f.exclusiveMinimum)
        return { error: `must be > ${f.exclusiveMinimum}` };
      if (f.exclusiveMaximum !== null && n >= f.exclusiveMaximum)
        return { error: `must be < ${f.exclusiveMaximum}` };
      return { value: n };
    }
    case 'string': {
      const length = [...raw].length;
      if (f.minLength !== null && length < f.minLength)
        return { error: `must NOT have fewer than ${f.minLength} characters` };
      if (f.maxLength !== null && length > f.maxLength)
        return { error: `must NOT have more than ${f.maxLength} characters` };
      if (f.pattern !== null && !matches(f.pattern, raw))
        return { error: `must match pattern "${f.pattern}"` };
      return { value: raw };
    }
  }
}

/** JSON Schema patterns are ECMA-262 with `u`; one this browser cannot read is left to the server. */
function matches(pattern: string, value: string): boolean {
  try {
    return new RegExp(pattern, 'u').test(value);
  } catch {
    return true;
  }
}

/** A short hint of a field's bounds, for its placeholder: '0 – 40', '≥ 0', '1..64 chars'. */
export function boundsHint(f: FormField): string {
  const lo = f.minimum ?? f.exclusiveMinimum;
  const hi = f.maximum ?? f.exclusiveMaximum;
  if (f.kind === 'string') {
    if (f.minLength !== null && f.maxLength !== null) return `${f.minLength}..${f.maxLength} chars`;
    if (f.maxLength !== null) return `≤ ${f.maxLength} chars`;
    return '';
  }
  if (lo !== null && hi !== null) return `${lo} – ${hi}`;
  if (lo !== null) return f.exclusiveMinimum !== null && f.minimum === null ? `> ${lo}` : `≥ ${lo}`;
  if (hi !== null) return f.exclusiveMaximum !== null && f.maximum === null ? `< ${hi}` : `≤ ${hi}`;
  return '';
}
