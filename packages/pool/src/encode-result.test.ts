import { describe, expect, it } from 'vitest';
import { encodeResult, formatBytes } from './encode-result.js';

describe('encodeResult', () => {
  it('passes JSON values through as their text, undefined as null', () => {
    expect(encodeResult({ a: [1, 'é', null] }, 100)).toEqual({
      kind: 'ok',
      json: '{"a":[1,"é",null]}',
    });
    expect(encodeResult(undefined, 100)).toEqual({ kind: 'ok', json: 'null' });
  });

  it.each<[string, unknown]>([
    ['a function at the top level', () => 1],
    ['a symbol at the top level', Symbol('s')],
    ["a Map at key 'index'", { index: new Map() }],
    ["a Set at key '0'", [new Set()]],
    ["a BigInt at key 'n'", { n: 2n }],
  ])('refuses %s', (why, value) => {
    expect(encodeResult(value, 100)).toEqual({
      kind: 'error',
      message: `result is not JSON-serializable: ${why}`,
      retryable: false,
    });
  });

  it('counts bytes, not characters, against the limit', () => {
    expect(encodeResult('éé', 6)).toEqual({ kind: 'ok', json: '"éé"' });
    expect(encodeResult('ééé', 6)).toEqual({
      kind: 'error',
      message: 'result is 8 bytes, over the 6 bytes limit',
      retryable: false,
    });
  });
});

describe('formatBytes', () => {
  it.each([
    [512, '512 bytes'],
    [1024, '1 KiB'],
    [1536, '1.5 KiB'],
    [1024 * 1024, '1 MiB'],
    [2.3 * 1024 * 1024, '2.3 MiB'],
  ])('writes %d as %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});
