import { describe, expect, it } from 'vitest';
import { lastLoggedError } from './server-log.js';

describe('lastLoggedError', () => {
  it('takes the msg of the last error or fatal line', () => {
    const out = [
      '{"level":30,"msg":"loading config"}',
      '{"level":50,"msg":"cannot start: cadre.config.json: categories[0].concurrency: unknown field"}',
      '{"level":30,"msg":"bye"}',
      '',
    ].join('\n');
    expect(lastLoggedError(out)).toBe(
      'cannot start: cadre.config.json: categories[0].concurrency: unknown field',
    );
    expect(lastLoggedError('{"level":50,"msg":"first"}\n{"level":60,"msg":"second"}')).toBe(
      'second',
    );
  });

  it('is null without one, and skips lines that are not JSON entries', () => {
    expect(lastLoggedError('')).toBeNull();
    expect(lastLoggedError('{"level":40,"msg":"a warning"}\nplain text\n{"level":50')).toBeNull();
    expect(lastLoggedError('{"level":"50","msg":"not pino"}\n[1,2]\nnull')).toBeNull();
  });
});
