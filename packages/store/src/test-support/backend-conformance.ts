/**
 * The one suite every Backend passes (local, PostgreSQL), through the
 * contract of `backend.ts` only: what one node sees of each verb. Tests of
 * several nodes, and of what one backend does inside, live with the backend.
 *
 * A harness makes backend instances over one set of data: `create()` is what
 * a process builds at its start. The suite opens each instance itself
 * (choosing the node, the limits and the time) and closes it; a restart is a
 * close followed by `create()` and an open, so `create()` must give a new
 * instance over what the previous ones left (for an in-memory store, hand it
 * the state the closed one held). `cleanup()` forgets the data.
 *
 * Times handed to verbs are fake (`T0` on): what a backend records of a job
 * comes from them. Heartbeats and leases may use the backend's own clock, so
 * the suite never compares those with fake times.
 */
import { afterEach, beforeEach, describe } from 'vitest';
import type { Backend, OpenOptions } from '../backend.js';
import { describeBulk } from './conformance-bulk.js';
import { describeFlows } from './conformance-flows.js';
import { describeHistory } from './conformance-history.js';
import { describeJobVerbs } from './conformance-jobs.js';
import { describeLife } from './conformance-life.js';
import { describePriorities } from './conformance-priority.js';
import { describeRateLimits, describeSharedRateLimits } from './conformance-rate.js';
import { describeReads } from './conformance-reads.js';
import { describeSchedules } from './conformance-schedules.js';
import {
  NODE,
  RETENTION,
  T0,
  type Conformance,
  type OpenChoice,
  type Opening,
} from './conformance-support.js';

export interface BackendHarness {
  /** A new backend over the harness's data, not opened. */
  create(): Backend | Promise<Backend>;
  /** Forgets the data (after every backend was closed). */
  cleanup(): Promise<void>;
}

export interface ConformanceOptions {
  /**
   * Several backends may be open on the same data at once, as the nodes of
   * one cluster (PostgreSQL): the cases of what they share run too.
   * @defaultValue false
   */
  cluster?: boolean;
}

export function describeBackendConformance(
  name: string,
  factory: () => Promise<BackendHarness>,
  options: ConformanceOptions = {},
): void {
  describe(`Backend conformance: ${name}`, () => {
    let harness: BackendHarness;
    let opened: Backend[] = [];

    beforeEach(async () => {
      harness = await factory();
      opened = [];
    });

    afterEach(async () => {
      for (const backend of opened) await backend.close();
      await harness.cleanup();
    });

    const open = async (choice: OpenChoice = {}): Promise<Opening> => {
      const backend = await harness.create();
      const options: OpenOptions = {
        node: { ...NODE, ...choice.node },
        limits: { maxQueuedTotal: null, maxQueued: {}, retention: RETENTION, ...choice.limits },
        nodeTimeoutMs: 30_000,
        now: choice.now ?? T0,
      };
      const result = await backend.open(options);
      opened.push(backend);
      return { backend, opened: result };
    };

    const suite: Conformance = {
      open,
      reopen: async (backend, choice) => {
        await backend.close();
        opened = opened.filter((b) => b !== backend);
        return open(choice);
      },
    };

    describeJobVerbs(suite);
    describeReads(suite);
    describeLife(suite);
    describeFlows(suite);
    describeSchedules(suite);
    describePriorities(suite);
    describeRateLimits(suite);
    describeBulk(suite);
    if (options.cluster === true) describeSharedRateLimits(suite);
    describeHistory(suite, { cluster: options.cluster === true });
  });
}
