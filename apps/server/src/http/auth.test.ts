import { describe, expect, it } from 'vitest';
import { FailureLimiter, bearerToken, tokenMatches } from './auth.js';

describe('tokenMatches', () => {
  it('accepts the token and nothing else', () => {
    expect(tokenMatches('s3cret-token', 's3cret-token')).toBe(true);
    expect(tokenMatches('s3cret-token', 's3cret-tokeN')).toBe(false);
    expect(tokenMatches('s3cret-token', 's3cret')).toBe(false);
    expect(tokenMatches('s3cret-token', 's3cret-token-and-more')).toBe(false);
    expect(tokenMatches('s3cret-token', '')).toBe(false);
    expect(tokenMatches('s3cret-token', undefined)).toBe(false);
    expect(tokenMatches('s3cret-token', 42)).toBe(false);
  });
});

describe('bearerToken', () => {
  it.each([
    ['Bearer abc', 'abc'],
    ['bearer abc', 'abc'],
    ['Bearer   abc  ', 'abc'],
    ['Basic abc', null],
    ['Bearer', null],
    ['Bearer a b', null],
    [undefined, null],
  ])('%s → %s', (header, token) => {
    expect(bearerToken(header)).toBe(token);
  });
});

describe('FailureLimiter', () => {
  it('blocks a key after max failures until its window ends', () => {
    let now = 0;
    const limiter = new FailureLimiter({ max: 3, windowMs: 10_000, now: () => now });
    for (let i = 0; i < 3; i++) {
      expect(limiter.blockedFor('a')).toBe(0);
      limiter.fail('a');
    }
    expect(limiter.blockedFor('a')).toBe(10);
    expect(limiter.blockedFor('b')).toBe(0);
    now = 9_001;
    expect(limiter.blockedFor('a')).toBe(1);
    now = 10_000;
    expect(limiter.blockedFor('a')).toBe(0);
    limiter.fail('a');
    expect(limiter.blockedFor('a')).toBe(0);
  });
});
