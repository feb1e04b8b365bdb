/**
 * A real cluster for the specs that need more than the suite's one local
 * server: a fresh PostgreSQL database (CADRE_TEST_DATABASE_URL's server, else
 * the local one on :5432), dropped at the end, and cadre nodes as child
 * processes of `apps/server/dist/main.js` on ports the OS picks. Without
 * PostgreSQL `startCluster` throws: such a spec fails, it never skips.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createScratchDatabase } from '@cadre/postgres';
import { spawnServer } from './server-process.js';

export interface ClusterTimings {
  balanceIntervalMs: number;
  leaseMs: number;
  nodeTimeoutMs: number;
}

export interface ClusterNode {
  name: string;
  /** The node's base URL, from its listening line. */
  url: string;
  process: ChildProcess;
  /** SIGKILL, then waits for the exit. */
  kill(): Promise<void>;
}

export interface Cluster {
  nodes: Map<string, ClusterNode>;
  node(name: string): ClusterNode;
  /** Kills every node still running, drops the database, removes the temporary files. */
  close(): Promise<void>;
}

export async function startCluster(
  names: readonly string[],
  timings: ClusterTimings,
): Promise<Cluster> {
  const serverUrl =
    process.env.CADRE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const db = await createScratchDatabase(serverUrl, 'e2e').catch((err: unknown) => {
    throw new Error(`${(err as Error).message} (set CADRE_TEST_DATABASE_URL)`, { cause: err });
  });

  const root = mkdtempSync(join(tmpdir(), 'cadre-e2e-cluster-'));
  const config = join(root, 'cadre.config.json');
  const { balanceIntervalMs, leaseMs, nodeTimeoutMs } = timings;
  writeFileSync(config, JSON.stringify({ balanceIntervalMs, cluster: { leaseMs, nodeTimeoutMs } }));

  const nodes = new Map<string, ClusterNode>();
  const cluster: Cluster = {
    nodes,
    node(name) {
      const found = nodes.get(name);
      if (!found) throw new Error(`no node ${name}`);
      return found;
    },
    async close() {
      await Promise.all([...nodes.values()].map((n) => n.kill()));
      rmSync(root, { recursive: true, force: true });
      await db.drop();
    },
  };
  try {
    const started = await Promise.all(
      names.map((name) =>
        startNode(name, {
          CADRE_CONFIG: config,
          CADRE_DATABASE_URL: db.url,
          CADRE_DATABASE_SCHEMA: 'cadre',
          CADRE_DATA: join(root, name),
          CADRE_WORKERS: '2',
        }),
      ),
    );
    for (const node of started) nodes.set(node.name, node);
  } catch (err) {
    await cluster.close();
    throw err;
  }
  return cluster;
}

async function startNode(name: string, env: Record<string, string>): Promise<ClusterNode> {
  const { url, process, kill } = await spawnServer(`node ${name}`, {
    // Nothing of the caller's shell may change the cluster under test.
    CADRE_BALANCE_MS: '',
    CADRE_LEASE_MS: '',
    CADRE_NODE_TIMEOUT_MS: '',
    CADRE_NODE_TAGS: '',
    CADRE_TOKEN: '',
    ...env,
    CADRE_NODE: name,
    PORT: '0',
    HOST: '127.0.0.1',
    NO_COLOR: '1',
  });
  return { name, url, process, kill };
}
