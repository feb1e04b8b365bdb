/**
 * Hands this node's metrics history to the backend (issue 14): every
 * `intervalMs` and once more at a graceful stop, the rows the recorder holds
 * since the last flush go to `backend.recordHistory` as deltas. A restart
 * loses at most one interval; a flush that fails puts its rows back, so the
 * next carries them. Nothing is written on the path of a job.
 */
import type { HistoryRecorder } from '@cadre/core';
import type { Backend } from '@cadre/store';
import type { Clock, Logger } from './engine-options.js';

export interface HistoryFlusherOptions {
  backend: Backend;
  recorder: HistoryRecorder;
  clock: Clock;
  log: Logger;
  intervalMs: number;
}

export class HistoryFlusher {
  readonly #o: HistoryFlusherOptions;
  #timer: NodeJS.Timeout | null = null;
  /** The flush in flight; the next waits for it, so deltas land in order. */
  #flushing: Promise<void> = Promise.resolve();

  constructor(options: HistoryFlusherOptions) {
    this.#o = options;
  }

  start(): void {
    if (this.#timer !== null) return;
    this.#timer = setInterval(() => void this.flush(), this.#o.intervalMs);
    this.#timer.unref();
  }

  /** Stops the timer and flushes what is left. */
  async stop(): Promise<void> {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    await this.flush();
  }

  /** Writes the rows recorded since the last flush; never rejects. */
  flush(): Promise<void> {
    const run = this.#flushing.then(() => this.#write());
    this.#flushing = run;
    return run;
  }

  async #write(): Promise<void> {
    const { recorder, backend, clock, log } = this.#o;
    const rows = recorder.take();
    if (rows.length === 0) return;
    try {
      await backend.recordHistory(rows, clock.now());
    } catch (err) {
      recorder.restore(rows);
      log.warn({ err }, 'could not record the metrics history; trying again at the next flush');
    }
  }
}
