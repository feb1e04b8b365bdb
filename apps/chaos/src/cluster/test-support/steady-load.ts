/**
 * Load for the cluster tests that leaves nothing in doubt: every job carries
 * an idempotency key, and a submission that fails (its node was killed, the
 * database is restarting: 503, no answer) is sent again with the same key, to
 * whichever node runs, until a node acknowledges it. So when `stop()`
 * resolves, every job the load created is acknowledged, and each must end as
 * its task says: "no acknowledged job lost" becomes a plain check.
 */
import { isCadreClientError, type CadreClient, type Job, type JobRequest } from '@cadre/client';

export interface SteadyLoadOptions {
  /** The clients of the nodes that run now (read before every submission). */
  targets: () => CadreClient[];
  /** The n-th request; its key is set by the load. */
  request: (n: number) => JobRequest;
  /** Jobs per second. */
  rate: number;
  /** Prefix of the idempotency keys. */
  keyPrefix: string;
}

export interface SteadyLoad {
  /** Acknowledged jobs so far, as first acknowledged. */
  readonly acknowledged: Job[];
  /** Failed submissions (each sent again), by what failed: `503 ERR_STORE_UNAVAILABLE with Retry-After`, … */
  readonly failures: Map<string, number>;
  /** Stops creating jobs, waits for the pending ones to be acknowledged, returns them all. */
  stop(): Promise<Job[]>;
}

/** Gives up on a job no node acknowledges for this long: the test then fails on it. */
const GIVE_UP_MS = 60_000;

export function steadyLoad(options: SteadyLoadOptions): SteadyLoad {
  const acknowledged: Job[] = [];
  const failures = new Map<string, number>();
  const pending = new Set<Promise<void>>();
  let n = 0;
  let turn = 0;
  let stopped = false;

  const submitUntilAcknowledged = async (request: JobRequest): Promise<void> => {
    const deadline = Date.now() + GIVE_UP_MS;
    for (;;) {
      const targets = options.targets();
      const client = targets[turn++ % Math.max(1, targets.length)];
      try {
        if (client === undefined) throw new Error('no node runs');
        acknowledged.push(await client.submit(request));
        return;
      } catch (err) {
        const what = isCadreClientError(err)
          ? `${err.status} ${err.code}${err.retryAfterS === undefined ? '' : ' with Retry-After'}`
          : String(err);
        failures.set(what, (failures.get(what) ?? 0) + 1);
        if (
          isCadreClientError(err) &&
          err.status >= 400 &&
          err.status < 500 &&
          err.status !== 429
        ) {
          throw new Error(`job ${request.key} refused: ${err.message}`, { cause: err });
        }
        if (Date.now() > deadline) {
          throw new Error(`job ${request.key}: no node acknowledged it within ${GIVE_UP_MS} ms`, {
            cause: err,
          });
        }
        await sleep(100);
      }
    }
  };

  const errors: Error[] = [];
  const timer = setInterval(() => {
    if (stopped) return;
    const request = { ...options.request(n), key: `${options.keyPrefix}-${n}` };
    n += 1;
    const p = submitUntilAcknowledged(request).catch((err: Error) => {
      errors.push(err);
    });
    pending.add(p);
    void p.finally(() => pending.delete(p));
  }, 1000 / options.rate);

  return {
    acknowledged,
    failures,
    async stop() {
      stopped = true;
      clearInterval(timer);
      while (pending.size > 0) await Promise.all(pending);
      if (errors.length > 0) throw errors[0]!;
      return acknowledged;
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
