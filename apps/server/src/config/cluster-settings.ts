/**
 * Cluster mode's settings. CADRE_DATABASE_URL turns it on: many nodes share
 * the category queues in one PostgreSQL database. Without it cadre runs in
 * local mode, one node on its data directory. Either way the engine gets its
 * node and the cluster's timings (the local backend has one node, which
 * leads).
 */
import { Errors, type ClusterTimings, type NodeConfig } from '@cadre/core';
import type { ConfigFile } from './config-schema.js';
import { tagSchema } from './config-schema.js';
import { nonEmpty, intFromEnv, portFromEnv, type Env } from './env-vars.js';

export interface DatabaseSettings {
  /** postgres:// or postgresql://, as node-postgres takes it. */
  url: string;
  /** The schema cadre's tables live in. @defaultValue 'cadre' */
  schema: string;
}

export interface ClusterSettings {
  node: NodeConfig;
  cluster: ClusterTimings;
  /** `null` in local mode. */
  database: DatabaseSettings | null;
}

/** Node names appear in URLs (`/api/nodes/:name`) and logs; the default `<hostname>:<port>` has a colon. */
const NODE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
const NODE_NAME_RULE = '1..128 letters, digits, _ . : - (starting with a letter or digit)';
/** Unquoted in SQL, so a plain lowercase identifier. */
const SCHEMA_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;

export interface ClusterInput {
  /** The config file, named by errors in its settings. */
  file: string;
  fromFile: ConfigFile['cluster'];
  /** After CADRE_BALANCE_MS. */
  balanceIntervalMs: number;
  env: Env;
  hostname: string;
}

export function resolveCluster({
  file,
  fromFile,
  balanceIntervalMs,
  env,
  hostname,
}: ClusterInput): ClusterSettings {
  const database = readDatabase(env);
  return {
    node: {
      name: readNodeName(env, database !== null, hostname),
      tags: readNodeTags(env),
    },
    cluster: readTimings(file, fromFile, balanceIntervalMs, env),
    database,
  };
}

function readDatabase(env: Env): DatabaseSettings | null {
  const url = nonEmpty(env.CADRE_DATABASE_URL)?.trim();
  if (url === undefined) return null;
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    // Never echo the value: it may hold a password.
    throw Errors.config(
      'CADRE_DATABASE_URL',
      'is not a URL; expected postgres://user:password@host:5432/database',
    );
  }
  if (protocol !== 'postgres:' && protocol !== 'postgresql:') {
    throw Errors.config(
      'CADRE_DATABASE_URL',
      `must be a postgres:// or postgresql:// URL, got a '${protocol}' URL`,
    );
  }
  const schema = nonEmpty(env.CADRE_DATABASE_SCHEMA)?.trim() ?? 'cadre';
  if (!SCHEMA_PATTERN.test(schema)) {
    throw Errors.config(
      'CADRE_DATABASE_SCHEMA',
      `must be a lowercase SQL identifier (a-z, 0-9, _; at most 63, not starting with a digit), got '${schema}'`,
    );
  }
  return { url, schema };
}

function readNodeName(env: Env, clustered: boolean, hostname: string): string {
  const given = nonEmpty(env.CADRE_NODE)?.trim();
  if (given !== undefined) {
    if (!NODE_NAME_PATTERN.test(given)) {
      throw Errors.config('CADRE_NODE', `must be ${NODE_NAME_RULE}, got '${given}'`);
    }
    return given;
  }
  if (!clustered) return 'local';
  const port = portFromEnv(env);
  if (port === 0) {
    throw Errors.config(
      'CADRE_NODE',
      'must be set in cluster mode when PORT is 0: the default <hostname>:<port> would not tell apart the nodes of this host',
    );
  }
  const name = `${hostname}:${port}`;
  if (!NODE_NAME_PATTERN.test(name)) {
    throw Errors.config(
      'CADRE_NODE',
      `unset, and the default <hostname>:<port> ('${name}') is not ${NODE_NAME_RULE}: set CADRE_NODE`,
    );
  }
  return name;
}

function readNodeTags(env: Env): string[] {
  const raw = nonEmpty(env.CADRE_NODE_TAGS);
  if (raw === undefined) return [];
  const tags = raw.split(',').map((t) => t.trim());
  tags.forEach((tag, i) => {
    const checked = tagSchema.safeParse(tag);
    if (!checked.success) {
      const why = checked.error.issues[0]?.message ?? 'invalid';
      throw Errors.config(
        'CADRE_NODE_TAGS',
        `tag ${i + 1} of '${raw}' ${why} (tags are separated by commas)`,
      );
    }
    if (tags.indexOf(tag) !== i) {
      throw Errors.config('CADRE_NODE_TAGS', `duplicate tag '${tag}' in '${raw}'`);
    }
  });
  return tags;
}

function readTimings(
  file: string,
  fromFile: ConfigFile['cluster'],
  balanceIntervalMs: number,
  env: Env,
): ClusterTimings {
  const leaseMs =
    intFromEnv(env, 'CADRE_LEASE_MS', 10, 3_600_000) ?? fromFile.leaseMs ?? 3 * balanceIntervalMs;
  // 10 s, unless a long balance interval makes the lease longer than that.
  const nodeTimeoutMs =
    intFromEnv(env, 'CADRE_NODE_TIMEOUT_MS', 10, 86_400_000) ??
    fromFile.nodeTimeoutMs ??
    Math.max(10_000, 2 * leaseMs);

  /** Names the variable when the value came from the environment, else the file and field. */
  const fail = (path: string, variable: string, message: string): never => {
    if (nonEmpty(env[variable]) !== undefined) throw Errors.config(variable, message);
    throw Errors.config(file, `${path}: ${message}`, { issues: [{ path, message }] });
  };
  if (leaseMs <= balanceIntervalMs) {
    fail(
      'cluster.leaseMs',
      'CADRE_LEASE_MS',
      `must be above balanceIntervalMs (${balanceIntervalMs}): the leader renews its lease every interval`,
    );
  }
  if (nodeTimeoutMs <= leaseMs) {
    fail(
      'cluster.nodeTimeoutMs',
      'CADRE_NODE_TIMEOUT_MS',
      `must be above cluster.leaseMs (${leaseMs}): a dead leader's lease must run out before its node is declared dead`,
    );
  }
  return { leaseMs, nodeTimeoutMs };
}
