/**
 * Reads the config file, validates it, applies the environment overrides and
 * returns the engine's `EngineConfig`, with the database of cluster mode (or
 * none). Every error is an ERR_CONFIG that names the file (or variable) and
 * the field.
 */
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, hostname } from 'node:os';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Errors,
  checkObserver,
  checkSchedule,
  isCadreError,
  type CategoryConfig,
  type EngineConfig,
  type ObserverRequest,
  type ScheduleRequest,
  type TaskConfig,
} from '@cadre/core';
import { resolveCluster, type DatabaseSettings } from './cluster-settings.js';
import { categorySchema, configFileSchema, type ConfigFile } from './config-schema.js';
import { intFromEnv, nonEmpty, type Env } from './env-vars.js';
import { readInputSchema } from './input-schema-file.js';
import { describeIssues, fieldIssues } from './zod-issues.js';

/** The shipped example; `src/config` and `dist/config` sit at the same depth. */
export const EXAMPLE_CONFIG = fileURLToPath(
  new URL('../../example/cadre.config.json', import.meta.url),
);

export interface LoadConfigOptions {
  /** Path of the config file; relative paths resolve against `cwd`. @defaultValue env.CADRE_CONFIG ?? EXAMPLE_CONFIG */
  file?: string;
  /** @defaultValue process.env */
  env?: Record<string, string | undefined>;
  /** @defaultValue process.cwd() */
  cwd?: string;
  /** The first half of the default node name in cluster mode. @defaultValue os.hostname() */
  hostname?: string;
}

export interface LoadedConfig {
  /** Absolute path of the file that was read. */
  file: string;
  config: EngineConfig;
  /** Cluster mode's PostgreSQL (CADRE_DATABASE_URL); `null` in local mode. */
  database: DatabaseSettings | null;
}

export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const given = options.file ?? nonEmpty(env.CADRE_CONFIG) ?? EXAMPLE_CONFIG;
  const file = isAbsolute(given) ? given : resolve(cwd, given);

  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw Errors.config(
      file,
      code === 'ENOENT' ? 'config file not found' : `cannot read the config file (${code ?? err})`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw Errors.config(file, `not valid JSON: ${(err as Error).message}`);
  }
  const parsed = configFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = fieldIssues(parsed.error);
    throw Errors.config(file, describeIssues(issues), { issues });
  }
  const base = resolveConfig(file, parsed.data);
  applyEnv(base, env);
  const { node, cluster, database } = resolveCluster({
    file,
    fromFile: parsed.data.cluster,
    balanceIntervalMs: base.balanceIntervalMs,
    env,
    hostname: options.hostname ?? hostname(),
  });
  return { file, config: { ...base, node, cluster }, database };
}

/** What the config file and the engine's own variables decide; the node and cluster come after. */
type BaseConfig = Omit<EngineConfig, 'node' | 'cluster'>;

function resolveConfig(file: string, data: ConfigFile): BaseConfig {
  const fail = (path: string, message: string): never => {
    throw Errors.config(file, `${path}: ${message}`, { issues: [{ path, message }] });
  };

  const categories: CategoryConfig[] = [];
  const seen = new Set<string>();
  data.categories.forEach((c, i) => {
    if (seen.has(c.name)) fail(`categories[${i}].name`, `duplicate category '${c.name}'`);
    seen.add(c.name);
    if (c.maxWorkers !== null && c.maxWorkers < c.minWorkers) {
      fail(`categories[${i}].maxWorkers`, 'must be ≥ minWorkers');
    }
    categories.push({ ...c, backoff: { ...c.backoff }, tags: [...c.tags] });
  });
  // Jobs that name no category go to 'default', so it always exists.
  if (!seen.has('default')) {
    categories.unshift(categorySchema.parse({ name: 'default' }));
    seen.add('default');
  }

  const baseDir = dirname(file);
  const tasks: TaskConfig[] = [];
  const taskNames = new Set<string>();
  data.tasks.forEach((t, i) => {
    if (taskNames.has(t.name)) fail(`tasks[${i}].name`, `duplicate task '${t.name}'`);
    taskNames.add(t.name);
    if (t.category !== null && !seen.has(t.category)) {
      fail(`tasks[${i}].category`, `unknown category '${t.category}'`);
    }
    const module = isAbsolute(t.module) ? t.module : resolve(baseDir, t.module);
    if (!existsSync(module)) {
      fail(`tasks[${i}].module`, `task '${t.name}': module not found: ${module}`);
    }
    tasks.push({ ...t, module, inputSchema: readInputSchema(t.name, module, t.export) });
  });

  const schedules = declared(data.schedules, 'schedules', fail, (r, where) => {
    checkSchedule(r as ScheduleRequest, where);
    if (!taskNames.has(r.job.task)) fail(`${where}job.task`, `unknown task '${r.job.task}'`);
    if (r.job.category !== undefined && !seen.has(r.job.category)) {
      fail(`${where}job.category`, `unknown category '${r.job.category}'`);
    }
  });
  const observers = declared(data.observers, 'observers', fail, (r, where) => {
    checkObserver(r, where);
    const { category, task } = r.query;
    if (category !== undefined && !seen.has(category)) {
      fail(`${where}query.category`, `unknown category '${category}'`);
    }
    if (task !== undefined && !taskNames.has(task)) {
      fail(`${where}query.task`, `unknown task '${task}'`);
    }
  });

  return {
    workers: data.workers ?? availableParallelism(),
    balanceIntervalMs: data.balanceIntervalMs,
    categories,
    tasks,
    retention: { ...data.retention, failed: { ...data.retention.failed } },
    maxQueuedTotal: data.maxQueuedTotal,
    maxResultBytes: data.maxResultBytes,
    resourceLimits: data.resourceLimits,
    schedules: schedules as ScheduleRequest[],
    observers: observers as ObserverRequest[],
  };
}

/**
 * Checks the schedules or observers the file declares: names unique, and
 * `check` (core's rules, then the tasks and categories they name); a
 * CadreError it throws becomes an ERR_CONFIG naming the file.
 */
function declared<T extends { name: string }>(
  list: readonly T[],
  what: string,
  fail: (path: string, message: string) => never,
  check: (item: T, where: string) => void,
): T[] {
  const names = new Set<string>();
  list.forEach((item, i) => {
    const where = `${what}[${i}].`;
    if (names.has(item.name)) fail(`${where}name`, `duplicate name '${item.name}'`);
    names.add(item.name);
    try {
      check(item, where);
    } catch (err) {
      if (!isCadreError(err) || err.code !== 'ERR_VALIDATION') throw err;
      const field = (err.details as { field?: string } | undefined)?.field ?? `${where}name`;
      fail(
        field,
        err.message.startsWith(field) ? err.message.slice(field.length + 2) : err.message,
      );
    }
  });
  return [...list];
}

function applyEnv(config: BaseConfig, env: Env): void {
  const workers = intFromEnv(env, 'CADRE_WORKERS', 1, 1024);
  if (workers !== null) config.workers = workers;
  const balance = intFromEnv(env, 'CADRE_BALANCE_MS', 10, 3_600_000);
  if (balance !== null) config.balanceIntervalMs = balance;
}
