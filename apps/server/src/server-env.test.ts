import { isCadreError } from '@cadre/core';
import { describe, expect, it } from 'vitest';
import { isLoopback, readServerEnv, urlOf } from './server-env.js';

describe('readServerEnv', () => {
  it('has the defaults of API.md', () => {
    expect(readServerEnv({}, '/srv')).toEqual({
      port: 3000,
      host: '127.0.0.1',
      dataDir: '/srv/data',
      token: null,
      readToken: null,
      corsOrigin: null,
      graceMs: 10_000,
    });
  });

  it('reads every variable', () => {
    expect(
      readServerEnv(
        {
          PORT: '0',
          HOST: '0.0.0.0',
          CADRE_DATA: 'q',
          CADRE_TOKEN: 'tok',
          CADRE_CORS_ORIGIN: 'http://x.test',
          CADRE_GRACE_MS: '500',
        },
        '/srv',
      ),
    ).toEqual({
      port: 0,
      host: '0.0.0.0',
      dataDir: '/srv/q',
      token: 'tok',
      readToken: null,
      corsOrigin: 'http://x.test',
      graceMs: 500,
    });
  });

  it.each(['0.0.0.0', '::', '192.168.1.4', 'example.com'])(
    'refuses the non-loopback HOST %s without a token, saying why',
    (host) => {
      try {
        readServerEnv({ HOST: host });
        expect.unreachable();
      } catch (err) {
        expect(isCadreError(err) && err.code).toBe('ERR_CONFIG');
        expect((err as Error).message).toContain(
          `refusing to listen on ${host} without CADRE_TOKEN`,
        );
      }
    },
  );

  it.each([
    ['PORT', '70000', "PORT: must be an integer from 0 to 65535, got '70000'"],
    ['PORT', 'http', "PORT: must be an integer from 0 to 65535, got 'http'"],
    ['CADRE_GRACE_MS', '-1', "CADRE_GRACE_MS: must be an integer from 0 to 3600000, got '-1'"],
  ])('names %s when it is invalid', (variable, value, message) => {
    expect(() => readServerEnv({ [variable]: value })).toThrow(message);
  });
});

describe('isLoopback', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['localhost', true],
    ['::1', true],
    ['[::1]', true],
    ['::ffff:127.0.0.1', true],
    ['0.0.0.0', false],
    ['::', false],
    ['10.0.0.1', false],
    ['127.example.com', false],
  ])('%s → %s', (host, expected) => {
    expect(isLoopback(host)).toBe(expected);
  });
});

describe('urlOf', () => {
  it('brackets IPv6 hosts', () => {
    expect(urlOf('127.0.0.1', 80)).toBe('http://127.0.0.1:80');
    expect(urlOf('::1', 80)).toBe('http://[::1]:80');
  });
});
