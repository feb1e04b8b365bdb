/**
 * A cluster of real cadre node processes for tests and the cluster chaos run:
 * every node is `node apps/server/dist/main.js` (server-process.ts) on a port
 * the OS picks, started with cluster mode's environment (CADRE_DATABASE_URL,
 * CADRE_DATABASE_SCHEMA, CADRE_NODE, CADRE_NODE_TAGS). A node counts as up
 * once it logged its URL, answers /healthz, and lists itself in
 * `GET /api/nodes`: a build without cluster mode ignores CADRE_DATABASE_URL,
 * and the harness says so instead of testing a lone local server.
 *
 * Each start of a node is an epoch (1, 2, … across the cluster), handed to the
 * tasks as CHAOS_EPOCH, so that the executions log tells which process ran
 * what; the cluster remembers which epochs were killed with SIGKILL.
 *
 * With `database: null` the harness runs one node in local mode on its own
 * data directory (kept across restarts): the same harness, checked without
 * PostgreSQL.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type CadreClient } from '@cadre/client';
import type { NodeView } from '@cadre/core';
import { startServer, type ServerChild } from '../server-process.js';

export interface NodeSpec {
  /** CADRE_NODE; in local mode the server names itself `local`. */
  name: string;
  /** CADRE_NODE_TAGS. @defaultValue [] */
  tags?: readonly string[];
  /** CADRE_WORKERS. @defaultValue 2 */
  workers?: number;
}

export interface ClusterDatabase {
  url: string;
  /** CADRE_DATABASE_SCHEMA. @defaultValue the server's ('cadre') */
  schema?: string;
}

export interface ClusterOptions {
  /** `null`: one node in local mode. */
  database: ClusterDatabase | null;
  /** CADRE_CONFIG. */
  config: string;
  nodes: readonly NodeSpec[];
  /** CHAOS_EXEC_LOG for the tasks: one file for every node. */
  execLog?: string;
  /** Further variables for every node. */
  env?: Record<string, string>;
  /** Log lines of the harness. @defaultValue none */
  log?: (line: string) => void;
}

export interface ClusterNode {
  readonly spec: NodeSpec;
  readonly name: string;
  /** The current (or last) process of this node. */
  server: ServerChild;
  epoch: number;
  /** The current process's URL; null until it is up. */
  url: string | null;
}

/** Raised when a node given CADRE_DATABASE_URL runs on its local backend instead. */
export class ClusterModeMissing extends Error {}

const REQUEST_TIMEOUT_MS = 10_000;

const fetchWithTimeout: typeof fetch = (input, init) =>
  fetch(input, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });

/** How long a start may take: loading the task modules, migrating, joining. */
const UP_TIMEOUT_MS = 30_000;

export class Cluster {
  readonly options: ClusterOptions;
  readonly #nodes = new Map<string, ClusterNode>();
  readonly #root = mkdtempSync(join(tmpdir(), 'cadre-cluster-'));
  #epochs = 0;
  /** Epochs whose process got SIGKILL. */
  readonly killedEpochs = new Set<number>();

  constructor(options: ClusterOptions) {
    if (options.database === null && options.nodes.length !== 1) {
      throw new Error('local mode runs one node');
    }
    const names = new Set(options.nodes.map((n) => n.name));
    if (names.size !== options.nodes.length) throw new Error('node names must be unique');
    this.options = options;
  }

  get nodes(): ClusterNode[] {
    return [...this.#nodes.values()];
  }

  node(name: string): ClusterNode {
    const node = this.#nodes.get(name);
    if (node === undefined) throw new Error(`no node '${name}' in this cluster`);
    return node;
  }

  /**
   * A client of the node's current process. Its requests give up after
   * REQUEST_TIMEOUT_MS: a node stopped with SIGSTOP accepts connections but
   * never answers.
   */
  client(name: string): CadreClient {
    return createClient({ url: this.#url(name), fetch: fetchWithTimeout });
  }

  #url(name: string): string {
    const { url } = this.node(name);
    if (url === null) throw new Error(`node '${name}' is not up`);
    return url;
  }

  /** Whether the node's current process is still running (stopped with SIGSTOP counts). */
  running(name: string): boolean {
    const child = this.#nodes.get(name)?.server.process;
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  /** Nodes whose process runs. */
  get runningNodes(): ClusterNode[] {
    return this.nodes.filter((n) => this.running(n.name));
  }

  /**
   * Starts every node at the same moment and waits until each is up (see
   * the top of the file). Nodes started before a failure are left to
   * `killAll`, which a test calls in afterEach.
   */
  async start(): Promise<void> {
    const specs = this.options.nodes.filter((s) => !this.running(s.name));
    const spawned = specs.map((spec) => this.#spawn(spec));
    const settled = await Promise.allSettled(spawned.map((node) => this.#up(node)));
    const failed = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as Error] : []));
    if (failed.length > 0) {
      throw failed.find((e) => e instanceof ClusterModeMissing) ?? failed[0]!;
    }
    if (this.options.database !== null) await this.#sameCluster();
  }

  /**
   * A node registers in the database before it listens, so every node that
   * is up lists every other one (live, or dead from an earlier start). A node
   * that lists only itself runs alone: its build ignores CADRE_DATABASE_URL.
   */
  async #sameCluster(): Promise<void> {
    const up = this.runningNodes.filter((n) => n.url !== null);
    for (const node of up) {
      const listed = (await fetchNodes(node.url!)).map((v) => v.name);
      const missing = up.filter((other) => !listed.includes(other.name));
      if (missing.length > 0) {
        throw new ClusterModeMissing(
          `node ${node.name} does not list ${missing.map((m) => m.name).join(', ')} ` +
            `(it lists [${listed.join(', ')}]): the nodes do not share the database, ` +
            'so this server build runs them on their local backends (no cluster mode)',
        );
      }
    }
  }

  /** Starts the node again (a new process, a new epoch) and waits until it is up. */
  async restart(name: string): Promise<ClusterNode> {
    if (this.running(name)) throw new Error(`node '${name}' is still running`);
    const node = this.#spawn(this.node(name).spec);
    await this.#up(node);
    if (this.options.database !== null) await this.#sameCluster();
    return node;
  }

  /**
   * Starts the node again, and tries again, `pauseMs` apart, while the start
   * is refused: a node killed with kill -9 keeps its name (ERR_NODE_NAME_TAKEN)
   * until the cluster's node timeout declares it dead. Throws the last refusal
   * after `tries`, or at once if the node's process runs all the same.
   */
  async restartWhenFree(name: string, tries: number, pauseMs = 1000): Promise<ClusterNode> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.restart(name);
      } catch (err) {
        if (attempt >= tries || this.running(name)) throw err;
        await sleep(pauseMs);
      }
    }
  }

  /** kill -9 (or another signal) of the node's process; waits for its exit unless it only pauses. */
  async kill(name: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const node = this.node(name);
    if (!this.running(name)) return;
    if (signal === 'SIGKILL') this.killedEpochs.add(node.epoch);
    await node.server.stop(signal);
  }

  /** SIGSTOP: the whole process freezes, worker threads and timers included. */
  pause(name: string): void {
    this.node(name).server.process.kill('SIGSTOP');
  }

  resume(name: string): void {
    this.node(name).server.process.kill('SIGCONT');
  }

  /** SIGKILL to every process still running (stopped ones too), and the temporary files. */
  async killAll(): Promise<void> {
    await Promise.all(this.nodes.map((n) => this.kill(n.name)));
    rmSync(this.#root, { recursive: true, force: true });
  }

  /** `GET /api/nodes` through `via`, or through the first node whose process runs. */
  async view(via?: string): Promise<NodeView[]> {
    const name = via ?? this.runningNodes[0]?.name;
    if (name === undefined) throw new Error('no node runs');
    return fetchNodes(this.#url(name));
  }

  /** The live leader as `via` sees it, or null. */
  async leader(via?: string): Promise<string | null> {
    const view = await this.view(via);
    return view.find((v) => v.leader && v.state === 'live')?.name ?? null;
  }

  /** Waits until every running node sees all of them live, with one live leader. */
  async formed(timeoutMs = UP_TIMEOUT_MS): Promise<NodeView[]> {
    const names = this.runningNodes.map((n) => n.name);
    const deadline = Date.now() + timeoutMs;
    let last: NodeView[][] = [];
    for (;;) {
      last = await Promise.all(names.map((name) => fetchNodes(this.#url(name))));
      const agreed = last.every(
        (view) =>
          names.every((name) => view.some((v) => v.name === name && v.state === 'live')) &&
          view.filter((v) => v.leader && v.state === 'live').length === 1,
      );
      if (agreed) return last[0]!;
      if (Date.now() > deadline) {
        throw new Error(
          `nodes ${names.join(', ')} did not all see each other live with one leader within ` +
            `${timeoutMs} ms; they see: ${JSON.stringify(last.map(summarize))}`,
        );
      }
      await sleep(50);
    }
  }

  #spawn(spec: NodeSpec): ClusterNode {
    const epoch = ++this.#epochs;
    const { database } = this.options;
    // Local mode keeps one data directory across restarts; a cluster node keeps nothing locally.
    const dataDir = join(this.#root, database === null ? spec.name : `${spec.name}-${epoch}`);
    mkdirSync(dataDir, { recursive: true });
    const env: Record<string, string> = {
      CHAOS_EPOCH: String(epoch),
      ...(this.options.execLog ? { CHAOS_EXEC_LOG: this.options.execLog } : {}),
      ...this.options.env,
    };
    if (database !== null) {
      env.CADRE_DATABASE_URL = database.url;
      if (database.schema !== undefined) env.CADRE_DATABASE_SCHEMA = database.schema;
      env.CADRE_NODE = spec.name;
      env.CADRE_NODE_TAGS = (spec.tags ?? []).join(',');
    }
    const server = startServer({
      config: this.options.config,
      dataDir,
      workers: spec.workers ?? 2,
      env,
      readyTimeoutMs: UP_TIMEOUT_MS,
    });
    const node: ClusterNode = {
      spec,
      name: spec.name,
      server,
      epoch,
      url: null,
    };
    this.#nodes.set(spec.name, node);
    this.options.log?.(`node ${spec.name}: started (epoch ${epoch}, pid ${server.pid})`);
    return node;
  }

  async #up(node: ClusterNode): Promise<void> {
    let url: string;
    try {
      url = await node.server.ready;
    } catch (err) {
      throw new Error(
        `node ${node.name} (epoch ${node.epoch}): ${(err as Error).message}\n${node.server.tail()}`,
        { cause: err },
      );
    }
    node.url = url;
    const health = await createClient({ url, fetch: fetchWithTimeout }).health();
    if (!health.ok)
      throw new Error(`node ${node.name}: /healthz answered ${JSON.stringify(health)}`);
    if (this.options.database !== null) {
      const view = await fetchNodes(url);
      if (!view.some((v) => v.name === node.name)) {
        throw new ClusterModeMissing(
          `node ${node.name} ignored CADRE_DATABASE_URL: GET /api/nodes lists ` +
            `[${view.map((v) => v.name).join(', ')}], so it runs on its local backend ` +
            '(this server build has no cluster mode)',
        );
      }
    }
    this.options.log?.(`node ${node.name}: up at ${url}`);
  }
}

/** `GET /api/nodes`: the cluster as one node sees it. */
export async function fetchNodes(url: string): Promise<NodeView[]> {
  const res = await fetchWithTimeout(`${url}/api/nodes`);
  if (!res.ok) throw new Error(`GET ${url}/api/nodes answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as NodeView[];
}

function summarize(view: NodeView[]): string[] {
  return view.map((v) => `${v.name}:${v.state}${v.leader ? ':leader' : ''}`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
