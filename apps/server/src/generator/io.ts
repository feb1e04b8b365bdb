/**
 * Where the generator writes and how it tells time, injectable so that the
 * benchmark and tests can run it in-process.
 */
import { setTimeout as delay } from 'node:timers/promises';

export interface GeneratorIo {
  /** Receives the report. */
  out: { write(text: string): unknown };
  /** Receives progress; a bar when it is a TTY, plain lines otherwise. */
  err: NodeJS.WritableStream & { isTTY?: boolean };
  /** Milliseconds on some fixed origin. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export function processIo(): GeneratorIo {
  return {
    out: process.stdout,
    err: process.stderr,
    now: () => performance.timeOrigin + performance.now(),
    sleep: (ms) => delay(ms),
  };
}
