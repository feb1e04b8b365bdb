import { describe, expect, it } from 'vitest';
import { UsageError } from './errors.js';
import { parseGenerateArgs, type GeneratorOptions } from './options.js';

function options(argv: string[], env: Record<string, string> = {}): GeneratorOptions {
  const parsed = parseGenerateArgs(argv, env);
  if (parsed.help) throw new Error('expected options, got --help');
  return parsed.options;
}

function refusal(argv: string[]): string {
  try {
    parseGenerateArgs(argv, {});
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error(`expected ${argv.join(' ')} to be refused`);
}

describe('parseGenerateArgs', () => {
  it('has sensible defaults', () => {
    const o = options([]);
    expect(o).toMatchObject({
      url: 'http://127.0.0.1:3000',
      token: null,
      count: 1000,
      rate: null,
      batch: 100,
      delay: 0,
      delayMs: 2000,
      fail: 0,
      wait: false,
      timeoutS: 300,
      json: false,
      quiet: false,
      concurrency: 4,
      seed: 1,
    });
    expect(o.mix.map((e) => `${e.category}:${e.task}`)).toEqual([
      'default:echo',
      'email:echo',
      'reports:fib',
      'images:sleep',
    ]);
    expect(o.runId).toBeUndefined();
    expect(o.inputs).toEqual({ byTask: {} });
  });

  it('takes the url and token from the environment, options first', () => {
    const env = { CADRE_URL: 'http://10.0.0.1:4000/', CADRE_TOKEN: 's3cret' };
    expect(options([], env)).toMatchObject({ url: 'http://10.0.0.1:4000', token: 's3cret' });
    expect(options(['--url', 'http://h:1', '--token', 't'], env)).toMatchObject({
      url: 'http://h:1',
      token: 't',
    });
  });

  it('takes an empty variable as unset', () => {
    expect(options([], { CADRE_URL: '', CADRE_TOKEN: '' })).toMatchObject({
      url: 'http://127.0.0.1:3000',
      token: null,
    });
  });

  it('parses every option', () => {
    const o = options([
      '--count=20',
      '--rate',
      '500',
      '--batch',
      '50',
      '--mix',
      'reports:fib:1',
      '--input',
      'fib={"n":3}',
      '--input',
      '{"x":1}',
      '--delay',
      '10%',
      '--delay-ms',
      '300',
      '--fail',
      '0.2',
      '--wait',
      '--timeout',
      '1.5',
      '--json',
      '--quiet',
      '--concurrency',
      '2',
      '--seed',
      '7',
      '--run-id',
      'abc-1',
    ]);
    expect(o).toMatchObject({
      count: 20,
      rate: 500,
      batch: 25, // capped at rate/20 so that a POST leaves at least every 50 ms
      mix: [{ category: 'reports', task: 'fib', share: 1 }],
      inputs: { all: { x: 1 }, byTask: { fib: { n: 3 } } },
      delay: 0.1,
      delayMs: 300,
      fail: 0.2,
      wait: true,
      timeoutS: 1.5,
      json: true,
      quiet: true,
      concurrency: 2,
      seed: 7,
      runId: 'abc-1',
    });
  });

  it('keeps the batch when the rate is high enough or unlimited', () => {
    expect(options(['--rate', 'unlimited', '--batch', '10000']).batch).toBe(10000);
    expect(options(['--rate', '100000', '--batch', '200']).batch).toBe(200);
    expect(options(['--rate', '0.5']).batch).toBe(1);
  });

  it('answers help', () => {
    expect(parseGenerateArgs(['-h'])).toEqual({ help: true });
    expect(parseGenerateArgs(['--help', '--count', 'x'])).toEqual({ help: true });
  });

  it.each([
    [['--count', '0'], "--count must be an integer from 1 to 10000000, got '0'"],
    [['--count', '1.5'], "--count must be an integer from 1 to 10000000, got '1.5'"],
    [['--count', ''], "--count must be an integer from 1 to 10000000, got ''"],
    [['--batch', '10001'], "--batch must be an integer from 1 to 10000, got '10001'"],
    [['--rate', 'fast'], "--rate must be a number > 0 or 'unlimited', got 'fast'"],
    [['--rate=-3'], "--rate must be a number > 0 or 'unlimited', got '-3'"],
    [['--delay', '1.5'], "--delay must be a share from 0 to 1 (or 0% to 100%), got '1.5'"],
    [['--fail', '150%'], "--fail must be a share from 0 to 1 (or 0% to 100%), got '150%'"],
    [['--delay-ms=-1'], "--delay-ms must be an integer from 0 to 86400000, got '-1'"],
    [['--timeout', '0'], "--timeout must be a number > 0, got '0'"],
    [['--concurrency', '65'], "--concurrency must be an integer from 1 to 64, got '65'"],
    [['--seed', 'x'], "--seed must be an integer from 0 to 2147483647, got 'x'"],
    [['--run-id', 'a b'], '--run-id must be 1..64 letters, digits, _ or -'],
    [['--url', 'nope'], "--url must be an http(s) URL, got 'nope'"],
    [['--url', 'ftp://h'], "--url must be an http(s) URL, got 'ftp://h'"],
    [['--mix', 'fib'], "--mix: 'fib' is not category:task:share (e.g. reports:fib:3)"],
    [['--input', 'fib={'], /^--input fib=: not valid JSON/],
    [['--input', '{'], /^--input: not valid JSON/],
    [['--bogus'], "Unknown option '--bogus'"],
    [['--delay-ms', '-1'], "Option '--delay-ms' argument is ambiguous"],
    [['--count'], "Option '--count <value>' argument missing"],
    [['extra'], /Unexpected argument 'extra'/],
  ])('refuses %j with a message naming the option', (argv, message) => {
    if (typeof message === 'string') expect(refusal(argv)).toBe(message);
    else expect(refusal(argv)).toMatch(message);
  });
});
