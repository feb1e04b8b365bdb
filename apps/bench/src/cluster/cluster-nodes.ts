/**
 * cadre server processes for the cluster section: one node on the local
 * backend, or N nodes on one PostgreSQL database (CADRE_DATABASE_URL,
 * CADRE_NODE, PORT). Every process is a plain (not detached) child whose pid
 * is tracked; `withNodes` stops them all in `finally`.
 */
import type { NodeView } from '@cadre/core';
import { freePort } from '../free-port.js';
import { startServer, type BenchServer } from '../http-bench.js';
import { pollUntil } from './poll-until.js';

export type NodeBackend = { kind: 'local' } | { kind: 'postgres'; url: string };

export interface ClusterNode extends BenchServer {
  /** CADRE_NODE; `local` on the local backend. */
  name: string;
}

export interface NodesOptions {
  backend: NodeBackend;
  count: number;
  /** CADRE_WORKERS of each node. */
  workers: number;
  configFile: string;
  /** More variables for every node (CADRE_LEASE_MS, …). */
  env?: Record<string, string>;
}

/** How long the nodes get to see each other and elect a leader. */
const FORM_MS = 30_000;

/** Starts the nodes, waits until they form one cluster, runs `fn`, and stops them all. */
export async function withNodes<T>(
  options: NodesOptions,
  fn: (nodes: ClusterNode[]) => Promise<T>,
): Promise<T> {
  if (options.backend.kind === 'local' && options.count !== 1) {
    throw new Error('the local backend runs one node');
  }
  const nodes: ClusterNode[] = [];
  try {
    // The first node alone creates the schema of the fresh database; the others then start together.
    nodes.push(await startNode(options, 1));
    const rest = await Promise.allSettled(
      Array.from({ length: options.count - 1 }, (_, i) => startNode(options, i + 2)),
    );
    for (const r of rest) if (r.status === 'fulfilled') nodes.push(r.value);
    const failed = rest.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    if (options.backend.kind === 'postgres') await formed(nodes);
    return await fn(nodes);
  } finally {
    await Promise.all(nodes.map((n) => n.close()));
  }
}

async function startNode(options: NodesOptions, index: number): Promise<ClusterNode> {
  const name = options.backend.kind === 'postgres' ? `bench-${index}` : 'local';
  const env: Record<string, string> = {
    PORT: String(await freePort()),
    // The measurements end with empty queues, or on purpose with a backlog: stop at once.
    CADRE_GRACE_MS: '0',
    ...options.env,
  };
  if (options.backend.kind === 'postgres') {
    env.CADRE_DATABASE_URL = options.backend.url;
    env.CADRE_NODE = name;
  }
  const node = {
    ...(await startServer(options.workers, { configFile: options.configFile, env })),
    name,
  };
  if (options.backend.kind === 'postgres') {
    try {
      await joined(node);
    } catch (err) {
      await node.close();
      throw err;
    }
  }
  return node;
}

/**
 * The node lists itself by its CADRE_NODE name. A build without cluster mode
 * ignores CADRE_DATABASE_URL and runs on its local backend, which must not be
 * measured as if it were PostgreSQL.
 */
async function joined(node: ClusterNode): Promise<void> {
  const seen = await fetchNodes(node.url);
  if (!seen.some((v) => v.name === node.name)) {
    throw new Error(
      `the server ignored CADRE_DATABASE_URL: node '${node.name}' answers GET /api/nodes with ` +
        `[${seen.map((v) => v.name).join(', ')}], so it runs on its local backend ` +
        '(this build has no cluster mode yet)',
    );
  }
}

/** Every node lists all of them live, with exactly one leader. */
async function formed(nodes: readonly ClusterNode[]): Promise<void> {
  const names = nodes.map((n) => n.name);
  await pollUntil(
    FORM_MS,
    async () => {
      const views = await Promise.all(nodes.map((n) => fetchNodes(n.url)));
      return views.every(
        (view) =>
          names.every((name) => view.some((v) => v.name === name && v.state === 'live')) &&
          view.filter((v) => v.leader && v.state === 'live').length === 1,
      );
    },
    50,
  ).catch((err: unknown) => {
    throw new Error(
      `nodes ${names.join(', ')} did not all see each other live with one leader ` +
        `within ${FORM_MS / 1000} s (${err instanceof Error ? err.message : String(err)})`,
    );
  });
}

/** `GET /api/nodes`: the cluster as one node sees it. */
export async function fetchNodes(url: string): Promise<NodeView[]> {
  const res = await fetch(`${url}/api/nodes`);
  if (!res.ok) throw new Error(`GET ${url}/api/nodes answered ${res.status}`);
  return (await res.json()) as NodeView[];
}
