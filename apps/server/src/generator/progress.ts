/**
 * Progress while submitting and while waiting: a cli-progress bar on a
 * terminal, a plain line every few seconds when the output is a file or a
 * pipe (a CI log should not fill with carriage returns), nothing with --quiet.
 */
import cliProgress from 'cli-progress';
import type { GeneratorIo } from './io.js';

export interface Progress {
  start(label: string, total: number): void;
  update(value: number, note?: string): void;
  stop(): void;
}

const PLAIN_EVERY_MS = 2000;

export function createProgress(io: GeneratorIo, quiet: boolean): Progress {
  if (quiet) return { start() {}, update() {}, stop() {} };
  if (io.err.isTTY) return barProgress(io);
  return plainProgress(io);
}

function barProgress(io: GeneratorIo): Progress {
  let bar: cliProgress.SingleBar | null = null;
  return {
    start(label, total) {
      bar = new cliProgress.SingleBar(
        {
          stream: io.err,
          format: `${label.padEnd(8)} [{bar}] {value}/{total} {percentage}% {note}`,
          hideCursor: true,
          barsize: 30,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(total, 0, { note: '' });
    },
    update(value, note = '') {
      bar?.update(value, { note });
    },
    stop() {
      bar?.stop();
      bar = null;
    },
  };
}

function plainProgress(io: GeneratorIo): Progress {
  let label = '';
  let total = 0;
  let last = 0;
  let lastAt = -Infinity;
  const print = (value: number, note: string) => {
    io.err.write(`${label} ${value}/${total}${note ? ` ${note}` : ''}\n`);
    lastAt = io.now();
    last = value;
  };
  return {
    start(l, t) {
      label = l;
      total = t;
      last = -1;
      lastAt = -Infinity;
    },
    update(value, note = '') {
      if (io.now() - lastAt >= PLAIN_EVERY_MS || (value === total && last !== total)) {
        print(value, note);
      }
    },
    stop() {},
  };
}
