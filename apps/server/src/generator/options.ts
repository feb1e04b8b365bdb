/**
 * `cadre generate` options: parsed with node's strict `parseArgs`, each one
 * checked with a message that names it.
 */
import { parseArgs } from 'node:util';
import { UsageError } from './errors.js';
import { DEFAULT_MIX, parseMix, type MixEntry } from './mix.js';
import { parseInputs, type InputOverrides } from './plan.js';

export interface GeneratorOptions {
  /** @defaultValue $CADRE_URL, else 'http://127.0.0.1:3000' */
  url: string;
  /** @defaultValue $CADRE_TOKEN, else none */
  token: string | null;
  /** @defaultValue 1000 */
  count: number;
  /** Jobs per second; null = as fast as the server takes them. @defaultValue null */
  rate: number | null;
  /** Jobs per POST, 1..10000. @defaultValue 100 */
  batch: number;
  /** @defaultValue parseMix(DEFAULT_MIX) */
  mix: MixEntry[];
  /** @defaultValue none: inputs chosen per task */
  inputs: InputOverrides;
  /** Share of delayed jobs, 0..1. @defaultValue 0 */
  delay: number;
  /** @defaultValue 2000 */
  delayMs: number;
  /** Share of failing jobs, 0..1. @defaultValue 0 */
  fail: number;
  /** Wait until every job has finished. @defaultValue false */
  wait: boolean;
  /** Bound on `wait`, in seconds. @defaultValue 300 */
  timeoutS: number;
  /** Print the report as JSON. @defaultValue false */
  json: boolean;
  /** No progress output. @defaultValue false */
  quiet: boolean;
  /** Batches in flight at once. @defaultValue 4 */
  concurrency: number;
  /** Seeds the chosen inputs. @defaultValue 1 */
  seed: number;
  /** Names this run's idempotency keys; random when not given. */
  runId?: string;
}

export const USAGE = `usage: cadre generate [options]

Floods a running cadre server with a mix of jobs and reports what happened.

  --url URL          server address (default $CADRE_URL or http://127.0.0.1:3000)
  --token TOKEN      bearer token (default $CADRE_TOKEN)
  --count N          jobs to submit (default 1000)
  --rate R           jobs per second, or 'unlimited' (default unlimited)
  --batch N          jobs per request, 1..10000 (default 100; with --rate, at most rate/20)
  --mix SPEC         category:task:share,... (default ${DEFAULT_MIX})
  --input JSON       input for every task, or task=JSON for one task (repeatable)
  --delay F          share of delayed jobs, 0..1 or a percentage (default 0)
  --delay-ms MS      how long delayed jobs wait (default 2000)
  --fail F           share of jobs sent as the task 'fail' in the same category (default 0)
  --wait             wait until every job has finished, then report latencies
  --timeout S        give up waiting after S seconds (default 300)
  --concurrency N    requests in flight at once, 1..64 (default 4)
  --seed N           seed for the chosen inputs (default 1)
  --run-id ID        name of this run in the jobs' idempotency keys (default random)
  --json             print the report as JSON
  --quiet            no progress output
  -h, --help         this text`;

export type ParsedArgs = { help: true } | { help: false; options: GeneratorOptions };

export function parseGenerateArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
): ParsedArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        url: { type: 'string' },
        token: { type: 'string' },
        count: { type: 'string' },
        rate: { type: 'string' },
        batch: { type: 'string' },
        mix: { type: 'string' },
        input: { type: 'string', multiple: true },
        delay: { type: 'string' },
        'delay-ms': { type: 'string' },
        fail: { type: 'string' },
        wait: { type: 'boolean' },
        timeout: { type: 'string' },
        concurrency: { type: 'string' },
        seed: { type: 'string' },
        'run-id': { type: 'string' },
        json: { type: 'boolean' },
        quiet: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    // parseArgs goes on at length about dashes; its first sentence names the option.
    const message = (err as Error).message.split(/\.\s/)[0] ?? 'invalid arguments';
    throw new UsageError(message.replace(/\.$/, ''));
  }
  if (values.help) return { help: true };

  const rateText = values.rate ?? 'unlimited';
  const rate =
    rateText === 'unlimited' ? null : positiveNumber('--rate', rateText, "or 'unlimited'");
  const batch = integer('--batch', values.batch ?? '100', 1, 10_000);
  const runId = values['run-id'];
  if (runId !== undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(runId)) {
    throw new UsageError('--run-id must be 1..64 letters, digits, _ or -');
  }
  // An empty variable is an unset one (`CADRE_TOKEN= npm run generate`).
  const token = values.token ?? (env.CADRE_TOKEN || null);
  return {
    help: false,
    options: {
      url: url(values.url ?? (env.CADRE_URL || 'http://127.0.0.1:3000')),
      token: token === '' ? null : token,
      count: integer('--count', values.count ?? '1000', 1, 10_000_000),
      rate,
      batch: rate === null ? batch : Math.min(batch, Math.max(1, Math.floor(rate / 20))),
      mix: parseMix(values.mix ?? DEFAULT_MIX),
      inputs: parseInputs(values.input ?? []),
      delay: share('--delay', values.delay ?? '0'),
      delayMs: integer('--delay-ms', values['delay-ms'] ?? '2000', 0, 86_400_000),
      fail: share('--fail', values.fail ?? '0'),
      wait: values.wait ?? false,
      timeoutS: positiveNumber('--timeout', values.timeout ?? '300'),
      json: values.json ?? false,
      quiet: values.quiet ?? false,
      concurrency: integer('--concurrency', values.concurrency ?? '4', 1, 64),
      seed: integer('--seed', values.seed ?? '1', 0, 2 ** 31 - 1),
      ...(runId === undefined ? {} : { runId }),
    },
  };
}

function integer(option: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`${option} must be an integer from ${min} to ${max}, got '${text}'`);
  }
  return n;
}

function positiveNumber(option: string, text: string, alternative?: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n <= 0) {
    const or = alternative ? ` ${alternative}` : '';
    throw new UsageError(`${option} must be a number > 0${or}, got '${text}'`);
  }
  return n;
}

/** 0..1, or a percentage such as '10%'. */
function share(option: string, text: string): number {
  const percent = text.endsWith('%');
  const n = Number(percent ? text.slice(0, -1) : text) / (percent ? 100 : 1);
  if (text.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) {
    throw new UsageError(`${option} must be a share from 0 to 1 (or 0% to 100%), got '${text}'`);
  }
  return n;
}

function url(text: string): string {
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    throw new UsageError(`--url must be an http(s) URL, got '${text}'`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new UsageError(`--url must be an http(s) URL, got '${text}'`);
  }
  return text.replace(/\/+$/, '');
}
