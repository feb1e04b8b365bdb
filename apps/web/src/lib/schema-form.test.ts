import { describe, expect, it } from 'vitest';
import { boundsHint, formFields, formInput, formValues } from './schema-form.js';

const fib = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  properties: { n: { type: 'integer', minimum: 0, maximum: 40, description: 'which one' } },
  required: ['n'],
};
const mail = {
  type: 'object',
  properties: {
    to: { type: 'string', minLength: 3, pattern: '@' },
    urgent: { type: 'boolean' },
    tone: { enum: ['warm', 'dry'] },
    weight: { type: 'number', exclusiveMinimum: 0 },
  },
  required: ['to', 'urgent'],
};

describe('formFields', () => {
  it('reads an object of plain properties, with required marks and bounds', () => {
    const [n] = formFields(fib)!;
    expect(n).toMatchObject({
      name: 'n',
      kind: 'integer',
      required: true,
      minimum: 0,
      maximum: 40,
      description: 'which one',
    });
    expect(formFields(mail)!.map((f) => [f.name, f.kind, f.required])).toEqual([
      ['to', 'string', true],
      ['urgent', 'boolean', true],
      ['tone', 'enum', false],
      ['weight', 'number', false],
    ]);
  });

  it.each([
    ['not an object', { type: 'array', items: {} }],
    ['a nested object', { type: 'object', properties: { a: { type: 'object' } } }],
    ['a nullable field', { type: 'object', properties: { a: { type: ['string', 'null'] } } }],
    ['a union', { type: 'object', properties: { a: { anyOf: [{ type: 'string' }] } } }],
    ['a root combinator', { type: 'object', properties: { a: { type: 'string' } }, allOf: [] }],
    ['no properties', { type: 'object', properties: {} }],
    ['a required key it cannot show', { type: 'object', properties: {}, required: ['x'] }],
    ['a non-schema', null],
  ])('answers null (use JSON) for %s', (_what, schema) => {
    expect(formFields(schema)).toBeNull();
  });
});

describe('formInput', () => {
  const fields = formFields(mail)!;

  it('builds the input with typed values and leaves out empty optional fields', () => {
    const result = formInput(fields, { to: 'a@b', urgent: 'true', tone: '', weight: '2.5' });
    expect(result).toEqual({ ok: true, input: { to: 'a@b', urgent: true, weight: 2.5 } });
  });

  it('names what is wrong with each field, in the words of the server', () => {
    expect(formInput(fields, { to: 'ab', urgent: '', tone: '"loud"', weight: '0' })).toEqual({
      ok: false,
      errors: {
        to: 'must NOT have fewer than 3 characters',
        urgent: 'is required',
        tone: 'must be one of "warm", "dry"',
        weight: 'must be > 0',
      },
    });
    const n = formFields(fib)!;
    expect(formInput(n, { n: '41' })).toEqual({ ok: false, errors: { n: 'must be <= 40' } });
    expect(formInput(n, { n: '1.5' })).toEqual({ ok: false, errors: { n: 'must be integer' } });
    expect(formInput(n, { n: 'ten' })).toEqual({ ok: false, errors: { n: 'must be integer' } });
    expect(formInput(fields, { to: 'abc', urgent: 'false' })).toEqual({
      ok: false,
      errors: { to: 'must match pattern "@"' },
    });
  });

  it("keeps the base input's fields that the form does not show", () => {
    const n = formFields(fib)!;
    expect(formInput(n, { n: '3' }, { n: 1, note: 'kept' })).toEqual({
      ok: true,
      input: { n: 3, note: 'kept' },
    });
  });
});

describe('formValues', () => {
  it("fills the form from an input, else from the schema's defaults", () => {
    const fields = formFields({
      type: 'object',
      properties: {
        n: { type: 'integer', default: 1 },
        s: { type: 'string' },
        b: { type: 'boolean' },
        e: { enum: [1, 2] },
      },
    })!;
    expect(formValues(fields, { s: 'x', b: false, e: 2 })).toEqual({
      n: '1',
      s: 'x',
      b: 'false',
      e: '2',
    });
    expect(formValues(fields, null)).toEqual({ n: '1', s: '', b: '', e: '' });
  });

  it('round-trips through formInput', () => {
    const fields = formFields(mail)!;
    const input = { to: 'a@b.c', urgent: false, tone: 'dry', weight: 3 };
    expect(formInput(fields, formValues(fields, input))).toEqual({ ok: true, input });
  });
});

describe('boundsHint', () => {
  it('says the range of a number or a string', () => {
    const [n] = formFields(fib)!;
    expect(boundsHint(n!)).toBe('0 – 40');
    const fields = formFields(mail)!;
    expect(boundsHint(fields.find((f) => f.name === 'weight')!)).toBe('> 0');
    expect(boundsHint(fields.find((f) => f.name === 'to')!)).toBe('');
  });
});
