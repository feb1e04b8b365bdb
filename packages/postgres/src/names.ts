/**
 * Every name the backend uses inside the database, derived from its schema:
 * tables and sequences (schema-qualified, quoted), NOTIFY channels and
 * advisory lock keys. Several cadre clusters may share one database, one
 * schema each; nothing of one is visible to another.
 */
import { createHash } from 'node:crypto';
import { escapeIdentifier } from 'pg';

/** Lower-case, so that quoting never changes its meaning; short, so channels stay under 63 bytes. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,39}$/;

export function isValidSchemaName(name: string): boolean {
  return SCHEMA_NAME.test(name);
}

export type Channel = 'work' | 'cancel' | 'category' | 'allocation';
export const CHANNELS: readonly Channel[] = ['work', 'cancel', 'category', 'allocation'];

export class Names {
  readonly schema: string;
  readonly jobs: string;
  readonly queueSeq: string;
  readonly categories: string;
  readonly nodes: string;
  readonly leader: string;
  /** Recent starts of rate-limited categories. */
  readonly rateStarts: string;
  readonly schedules: string;
  readonly observers: string;
  readonly observations: string;
  /** Metrics history: per minute, category and node (issue 14). */
  readonly history: string;
  readonly migrations: string;
  /** Held while migrating, so that nodes starting together migrate once. */
  readonly migrateLock: string;
  /** Held by submissions that check queue limits, so that two cannot both pass one check. */
  readonly limitLock: string;

  constructor(schema: string) {
    if (!isValidSchemaName(schema)) throw new TypeError(`invalid schema name '${schema}'`);
    this.schema = escapeIdentifier(schema);
    const q = (name: string) => `${this.schema}.${escapeIdentifier(name)}`;
    this.jobs = q('jobs');
    this.queueSeq = q('queue_seq');
    this.categories = q('categories');
    this.nodes = q('nodes');
    this.leader = q('leader');
    this.rateStarts = q('rate_starts');
    this.schedules = q('schedules');
    this.observers = q('observers');
    this.observations = q('observations');
    this.history = q('history');
    this.migrations = q('migrations');
    this.migrateLock = lockKey(`cadre:migrate:${schema}`);
    this.limitLock = lockKey(`cadre:limits:${schema}`);
    this.#channelPrefix = `cadre_${schema}_`;
  }

  readonly #channelPrefix: string;

  /** The channel's name, as pg_notify takes it (LISTEN takes it quoted). */
  channel(channel: Channel): string {
    return this.#channelPrefix + channel;
  }
}

/** A bigint key for pg_advisory_lock, stable across versions of PostgreSQL (unlike hashtext). */
function lockKey(text: string): string {
  return createHash('sha256').update(text).digest().readBigInt64BE(0).toString();
}
