import { CadreError, type Json } from '@cadre/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { InputValidator, compileInputSchema } from './input-validator.js';

const hello = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  properties: {
    to: { type: 'string', minLength: 1 },
    times: { type: 'integer', minimum: 1, maximum: 3 },
    tone: { enum: ['warm', 'dry'] },
  },
  required: ['to'],
  additionalProperties: false,
};

function thrown(fn: () => void): CadreError {
  try {
    fn();
  } catch (err) {
    if (err instanceof CadreError) return err;
    throw err;
  }
  throw new Error('expected a CadreError');
}

describe('compileInputSchema', () => {
  const check = compileInputSchema(hello);

  it('passes a matching input', () => {
    expect(check({ to: 'ada', times: 2, tone: 'dry' })).toBeNull();
  });

  it.each<[string, Json, { path: string; message: string }]>([
    ['a wrong type', { to: 1 }, { path: '/to', message: 'must be string' }],
    ['a missing property, at the property', {}, { path: '/to', message: 'is required' }],
    [
      'an extra property, at the property',
      { to: 'a', cc: 'b' },
      { path: '/cc', message: 'is not allowed' },
    ],
    ['a number out of range', { to: 'a', times: 4 }, { path: '/times', message: 'must be <= 3' }],
    ['a non-integer', { to: 'a', times: 1.5 }, { path: '/times', message: 'must be integer' }],
    [
      'an enum miss, with the choices',
      { to: 'a', tone: 'loud' },
      { path: '/tone', message: 'must be one of "warm", "dry"' },
    ],
    ['a wrong root', null, { path: '', message: 'must be object' }],
  ])('names %s', (_what, input, issue) => {
    expect(check(input)).toEqual([issue]);
  });

  it('reports every problem, not only the first', () => {
    expect(check({ to: 2, times: 0 })).toEqual([
      { path: '/to', message: 'must be string' },
      { path: '/times', message: 'must be >= 1' },
    ]);
  });

  it('escapes property names in the path (JSON Pointer)', () => {
    const odd = compileInputSchema({ type: 'object', required: ['a/b~c'] });
    expect(odd({})).toEqual([{ path: '/a~1b~0c', message: 'is required' }]);
  });

  it('points into arrays by index', () => {
    const list = compileInputSchema({ type: 'array', items: { type: 'number' } });
    expect(list([1, 'x'])).toEqual([{ path: '/1', message: 'must be number' }]);
  });

  it('keeps at most 20 issues', () => {
    const list = compileInputSchema({ type: 'array', items: { type: 'number' } });
    expect(list(Array.from({ length: 50 }, () => 'x'))).toHaveLength(20);
  });

  it('checks what zod 4 writes, formats included', () => {
    const schema = z.toJSONSchema(
      z.object({
        email: z.email(),
        id: z.cuid(),
        at: z.iso.datetime(),
        tags: z.array(z.string()).max(2),
        note: z.string().nullable().optional(),
      }),
    );
    const zodCheck = compileInputSchema(schema);
    const good = {
      email: 'a@b.co',
      id: 'cjld2cjxh0000qzrmn831i7rn',
      at: '2026-01-01T00:00:00Z',
      tags: [],
    };
    expect(zodCheck(good)).toBeNull();
    expect(zodCheck({ ...good, email: 'nope' })?.[0]?.path).toBe('/email');
    expect(zodCheck({ ...good, tags: ['a', 'b', 'c'] })?.[0]).toEqual({
      path: '/tags',
      message: 'must NOT have more than 2 items',
    });
  });

  it('compiles two schemas that carry the same $id, each checking its own', () => {
    const a = compileInputSchema({ $id: 'https://x/s', type: 'string' });
    const b = compileInputSchema({ $id: 'https://x/s', type: 'number' });
    expect(a('x')).toBeNull();
    expect(b(1)).toBeNull();
    expect(a(1)).toEqual([{ path: '', message: 'must be string' }]);
  });

  it.each<[string, unknown, RegExp]>([
    ['not an object', [], /must be a JSON object/],
    ['another draft', { $schema: 'http://json-schema.org/draft-07/schema#' }, /draft 2020-12/],
    ['an unknown type', { type: 'strin' }, /schema is invalid/],
    ['a misspelt keyword', { type: 'integer', minimun: 0 }, /unknown keyword: "minimun"/],
    ['a dangling $ref', { $ref: '#/$defs/missing' }, /can't resolve reference/],
  ])('refuses %s, saying why', (_what, schema, why) => {
    expect(() => compileInputSchema(schema)).toThrow(why);
  });
});

describe('InputValidator', () => {
  const validator = new InputValidator([
    { name: 'hello', inputSchema: hello },
    { name: 'any', inputSchema: null },
  ]);

  it('answers ERR_VALIDATION naming where the input is and the path inside it', () => {
    const err = thrown(() =>
      validator.check('hello', { to: 7 }, { index: 3, path: 'jobs[3]', top: 'jobs[3]' }),
    );
    expect(err.code).toBe('ERR_VALIDATION');
    expect(err.message).toBe('jobs[3].input/to must be string');
    expect(err.details).toEqual({
      index: 3,
      field: 'input',
      path: '/to',
      issues: [{ path: '/to', message: 'must be string' }],
    });
  });

  it('names the field from the top-level request for a callback', () => {
    const where = { index: 1, path: 'jobs[1].onSuccess[0]', top: 'jobs[1]' };
    const err = thrown(() => validator.check('hello', { to: 7 }, where));
    expect(err.message).toBe('jobs[1].onSuccess[0].input/to must be string');
    expect(err.details).toMatchObject({ index: 1, field: 'onSuccess[0].input', path: '/to' });
  });

  it('counts the other issues in the message', () => {
    const err = thrown(() => validator.check('hello', { to: 7, times: 9 }, null));
    expect(err.message).toBe('input/to must be string (and 1 more)');
  });

  it('lets any input through for a task without a schema, or an unknown task', () => {
    expect(() =>
      validator.check('any', { whatever: [1] }, { index: 0, path: 'jobs[0]', top: 'jobs[0]' }),
    ).not.toThrow();
    expect(() => validator.check('nope', 1, null)).not.toThrow();
  });

  it('refuses at construction a schema that does not compile, naming the task', () => {
    const err = thrown(() => new InputValidator([{ name: 'bad', inputSchema: { type: 'strin' } }]));
    expect(err.code).toBe('ERR_CONFIG');
    expect(err.message).toMatch(/^task 'bad': inputSchema is not a valid JSON Schema: /);
  });
});
