/**
 * A GeneratorIo on a virtual clock: `sleep` returns at once (in order of wake
 * time) and moves the clock, so waits for Retry-After, rate pacing and polling
 * cost no real time and can be asserted exactly.
 */
import { PassThrough } from 'node:stream';
import type { GeneratorIo } from '../io.js';

export interface VirtualIo extends GeneratorIo {
  output(): string;
  errors(): string;
  /** Every sleep asked for, in ms. */
  sleeps: number[];
}

export function virtualIo(): VirtualIo {
  let clock = 0;
  let out = '';
  let errText = '';
  const err = new PassThrough();
  err.on('data', (chunk: Buffer) => (errText += chunk.toString()));
  const sleepers: { at: number; wake: () => void }[] = [];
  const pump = () => {
    if (sleepers.length === 0) return;
    sleepers.sort((a, b) => a.at - b.at);
    const next = sleepers.shift();
    if (!next) return;
    clock = Math.max(clock, next.at);
    next.wake();
  };
  const sleeps: number[] = [];
  return {
    out: { write: (text: string) => (out += text) },
    err,
    now: () => clock,
    sleep(ms) {
      sleeps.push(ms);
      return new Promise((resolve) => {
        sleepers.push({ at: clock + ms, wake: resolve });
        setImmediate(pump);
      });
    },
    sleeps,
    output: () => out,
    errors: () => errText,
  };
}
