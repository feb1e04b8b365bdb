/**
 * The node's loop: every `balanceIntervalMs` it renews this node's heartbeat
 * and, on the leader alone, runs the cluster's WorkerBalancer.
 *
 * Each tick:
 * 1. heartbeat with this node's report; if the cluster declared this node
 *    dead meanwhile, its attempts are dropped (they run again elsewhere);
 * 2. take or renew the leader's lease;
 * 3. the leader declares silent nodes dead (their jobs are queued again),
 *    apportions the live nodes' threads over the categories by weighted
 *    demand, places each share on nodes by threads and tags, publishes the
 *    placement, promotes due delayed and retrying jobs, and prunes (every
 *    `pruneIntervalMs`, not every tick); it also wakes the scheduler
 *    (schedules and observers, scheduler.ts);
 * 4. every node reads the nodes back: its own slots, and the cluster view
 *    that stats and categories answer with.
 *
 * The leader also rebalances at once when its threads idle while work waits
 * (the allocation is stale), and keeps one timer for the next due delayed job.
 * In local mode the node is a cluster of one that always leads.
 */
import {
  balanceCluster,
  nextCredit,
  rateLimitedThreads,
  type Allocation,
  type ClusterDemand,
  type Credit,
} from '@cadre/core';
import type { Backend, Backlog, NodeRecord, NodeReport } from '@cadre/store';
import { Coalesced } from './coalesced.js';
import type { CategorySettings } from './category-settings.js';
import type { Dispatcher } from './dispatcher.js';
import type { Clock, Logger } from './engine-options.js';

const MAX_TIMER_MS = 2 ** 31 - 1;

export interface WorkerBalancerOptions {
  backend: Backend;
  dispatcher: Dispatcher;
  categories: ReadonlyMap<string, CategorySettings>;
  node: string;
  intervalMs: number;
  leaseMs: number;
  nodeTimeoutMs: number;
  /** The leader prunes at the first tick it leads, then at most this often. */
  pruneIntervalMs: number;
  clock: Clock;
  log: Logger;
  /** This node's report for its heartbeat. */
  report(): NodeReport;
  /** The cluster's allocation (summed over nodes) changed. */
  onAllocation(allocation: Allocation): void;
  /** Another node changed the categories' shared settings. */
  onSettings(): Promise<void>;
  /** Whether this node leads, told each tick (the scheduler runs on the leader). */
  onLead?(leading: boolean): void;
}

export class WorkerBalancer {
  readonly #o: WorkerBalancerOptions;
  #nodes: NodeRecord[] = [];
  #leader = false;
  /** Threads each category was owed and not given, carried from tick to tick (see apportion). */
  #credit: Credit = {};
  #allocation: Allocation = {};
  #timer: NodeJS.Timeout | null = null;
  #delayTimer: NodeJS.Timeout | null = null;
  /** A follower's tick at the moment the leader's lease runs out. */
  #takeOverTimer: NodeJS.Timeout | null = null;
  #delayTimerAt = Infinity;
  #ticking: Promise<void> | null = null;
  /** Rebalances between ticks (the leader), one at a time. */
  readonly #rebalancer = new Coalesced(
    async () => {
      await this.#rebalance(false);
      await this.#readNodes();
    },
    (err) => this.#o.log.warn({ err }, 'could not rebalance'),
  );
  /** Reads this node's slots between ticks, one read at a time. */
  readonly #reader = new Coalesced(
    async () => {
      await this.#readNodes();
      this.#o.dispatcher.hint();
    },
    (err) =>
      this.#o.log.warn({ err }, 'could not read the allocation; reading it at the next tick'),
  );
  #stopped = false;
  /** The categories last warned about as unplaceable, joined. */
  #unplaceable = '';
  /** When this node last pruned (its clock). */
  #prunedAt = -Infinity;

  constructor(options: WorkerBalancerOptions) {
    this.#o = options;
  }

  get leader(): boolean {
    return this.#leader;
  }

  /** The nodes as of the latest tick. */
  get nodes(): readonly NodeRecord[] {
    return this.#nodes;
  }

  /** Slots per category summed over the cluster, as the leader placed them. */
  get allocation(): Allocation {
    return this.#allocation;
  }

  /** Runs the first tick, then one every interval. */
  async start(): Promise<void> {
    await this.tick(false);
    this.#timer = setInterval(() => void this.tick(true), this.#o.intervalMs);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    if (this.#delayTimer) clearTimeout(this.#delayTimer);
    if (this.#takeOverTimer) clearTimeout(this.#takeOverTimer);
    this.#timer = this.#delayTimer = this.#takeOverTimer = null;
    const between = [this.#rebalancer.stop(), this.#reader.stop()];
    await this.#ticking;
    await Promise.all(between);
  }

  /** One tick; a tick still running when the next is due lets that one pass. */
  tick(carry: boolean): Promise<void> {
    if (this.#ticking || this.#stopped) return this.#ticking ?? Promise.resolve();
    this.#ticking = this.#tick(carry)
      .catch((err: unknown) => this.#o.log.warn({ err }, 'balancer tick failed; trying again'))
      .finally(() => (this.#ticking = null));
    return this.#ticking;
  }

  async #tick(carry: boolean): Promise<void> {
    const { backend, dispatcher, clock } = this.#o;
    const now = clock.now();
    if ((await backend.heartbeat(this.#o.report(), now)) === 'dead') {
      const dropped = dispatcher.dropAll();
      await backend.rejoin(now);
      this.#o.log.warn(
        { dropped },
        'this node was declared dead; its jobs run elsewhere, so it dropped its attempts and rejoined',
      );
    }
    const lease = await backend.lead(this.#o.leaseMs, now);
    this.#leader = lease.leader;
    this.#o.onLead?.(this.#leader);
    if (!lease.leader) this.#takeOverAt(lease.expiresInMs);
    if (this.#leader) {
      for (const { node, requeued } of await backend.reap(this.#o.nodeTimeoutMs, now)) {
        this.#o.log.warn({ node, requeued }, `node '${node}' is silent: declared dead`);
      }
      await this.#rebalance(carry);
      await this.#promote();
      const at = clock.now();
      if (at - this.#prunedAt >= this.#o.pruneIntervalMs) {
        this.#prunedAt = at;
        await backend.prune(at);
      }
    } else if (this.#delayTimer) {
      clearTimeout(this.#delayTimer);
      this.#delayTimer = null;
      this.#delayTimerAt = Infinity;
    }
    await this.#o.onSettings();
    await this.#readNodes();
    dispatcher.hint();
  }

  /**
   * A follower tries the lease again the moment it runs out, if that comes
   * before its next tick: a dead leader is replaced one lease after its last
   * renewal, not up to an interval later.
   */
  #takeOverAt(expiresInMs: number): void {
    if (this.#stopped || !(expiresInMs < this.#o.intervalMs)) return;
    if (this.#takeOverTimer) clearTimeout(this.#takeOverTimer);
    this.#takeOverTimer = setTimeout(() => {
      this.#takeOverTimer = null;
      void this.tick(false);
    }, expiresInMs + 1);
  }

  /**
   * Rebalances now if this node leads: threads idle while work waits. At most
   * one runs at a time; asks made meanwhile run once after it.
   */
  rebalanceSoon(): Promise<void> {
    if (!this.#leader || this.#stopped) return Promise.resolve();
    return this.#rebalancer.ask();
  }

  /**
   * Recomputes the slots. Only the periodic tick carries the credit forward,
   * so that rebalancing more often in between (a category waiting while
   * threads idle) does not make the shares rotate faster.
   */
  async #rebalance(carry: boolean): Promise<void> {
    const { backend, clock } = this.#o;
    const now = clock.now();
    const [nodes, backlog] = await Promise.all([backend.nodes(now), backend.backlog()]);
    // Slots go to nodes that answer: one silent for longer than a lease (dead,
    // most likely) gets none now, though its running jobs wait for
    // `nodeTimeoutMs` before they are declared lost and run again.
    const live = nodes.filter((n) => n.state === 'live' && n.silentMs <= this.#o.leaseMs);
    const previous: Record<string, Allocation> = {};
    for (const n of live) previous[n.name] = n.allocation;
    const result = balanceCluster(live, this.#demands(backlog), this.#credit, previous);
    if (carry) this.#credit = nextCredit(this.#credit, result);
    if (result.unplaceable.join() !== this.#unplaceable) {
      this.#unplaceable = result.unplaceable.join();
      for (const name of result.unplaceable) {
        this.#o.log.warn(
          { category: name },
          `category '${name}' has work but no live node offers all its tags; its jobs wait`,
        );
      }
    }
    await backend.publishAllocation(result.byNode, now);
  }

  /**
   * Each category's work, in threads: a thread runs `concurrency` of its jobs
   * at once, so an I/O category's queue asks for that many times fewer. A
   * rate-limited category is capped at the threads its rate can keep busy,
   * by its job time as this node measured it (not capped until it has one):
   * the rest go to the others.
   */
  #demands(backlog: Backlog): ClusterDemand[] {
    return [...this.#o.categories.values()].map((c) => {
      const n = backlog[c.config.name];
      const perThread = c.concurrency;
      const running = n?.running ?? 0;
      const byRate =
        c.rateLimit === null
          ? null
          : rateLimitedThreads(c.rateLimit, this.#o.dispatcher.jobMs(c.config.name), perThread);
      return {
        name: c.config.name,
        weight: c.weight,
        minWorkers: c.minWorkers,
        maxWorkers: byRate === null ? c.maxWorkers : Math.min(c.maxWorkers ?? byRate, byRate),
        paused: !c.runnable,
        tags: c.config.tags,
        queued:
          Math.ceil(((n?.queued ?? 0) + running) / perThread) - Math.ceil(running / perThread),
        running: Math.ceil(running / perThread),
      };
    });
  }

  /**
   * Reads the nodes again now: the leader published a new allocation, and
   * this node's slots should not wait for its next tick (a category given
   * threads here would idle for up to an interval). At most one read runs at
   * a time; asks made meanwhile run once after it.
   */
  readNodesSoon(): Promise<void> {
    return this.#reader.ask();
  }

  /** Reads the nodes back: this node's slots, and the cluster's allocation. */
  async #readNodes(): Promise<void> {
    const nodes = await this.#o.backend.nodes(this.#o.clock.now());
    this.#nodes = nodes;
    const self = nodes.find((n) => n.name === this.#o.node);
    const total: Allocation = {};
    for (const c of this.#o.categories.keys()) total[c] = 0;
    for (const n of nodes) {
      if (n.state !== 'live') continue;
      for (const [c, k] of Object.entries(n.allocation)) total[c] = (total[c] ?? 0) + k;
    }
    if (!sameAllocation(total, this.#allocation)) {
      this.#allocation = total;
      this.#o.onAllocation({ ...total });
    }
    this.#o.dispatcher.setAllocation(self?.allocation ?? {});
  }

  // ── delayed jobs (leader) ────────────────────────────────────────────────

  /** A job became due at `dueAt`: the leader wakes then. */
  dueAt(dueAt: number): void {
    if (!this.#leader || this.#stopped || dueAt >= this.#delayTimerAt) return;
    if (this.#delayTimer) clearTimeout(this.#delayTimer);
    this.#delayTimerAt = dueAt;
    const wait = Math.min(Math.max(0, dueAt - this.#o.clock.now()), MAX_TIMER_MS);
    this.#delayTimer = setTimeout(() => {
      this.#delayTimer = null;
      this.#delayTimerAt = Infinity;
      this.#promote().catch((err: unknown) =>
        this.#o.log.warn({ err }, 'could not promote due jobs; trying again at the next tick'),
      );
    }, wait);
  }

  async #promote(): Promise<void> {
    const next = await this.#o.backend.promoteDue(this.#o.clock.now());
    if (next !== null) this.dueAt(next);
  }
}

function sameAllocation(a: Allocation, b: Allocation): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}
