/**
 * The connection pool, and the one place where its failures are turned into
 * cadre's errors and reported as the backend's health.
 */
import pg, { DatabaseError, type PoolClient, type QueryResultRow } from 'pg';
import { isOutage, toBackendError } from './db-errors.js';
import type { Logger } from './logger.js';

/** What runs statements: the pool, or one transaction's connection. */
export interface Queryable {
  query<R extends QueryResultRow>(text: string, values?: readonly unknown[]): Promise<R[]>;
}

export interface DbOptions {
  connectionString: string;
  poolSize: number;
  /** Shown in pg_stat_activity, so an operator can tell the nodes' connections apart. */
  applicationName: string;
  logger: Logger;
  /** Told of every outcome: null after a success, the error after an outage. */
  onHealth(outage: unknown): void;
  /**
   * Commits return before the commit record is flushed to disk: for writes
   * the contract lets be lost (claims), never for what a caller is answered.
   * @defaultValue false
   */
  asyncCommit?: boolean;
  /**
   * How long a transaction may sit idle between two of its statements before
   * PostgreSQL ends the session, rolling it back and releasing its locks.
   * @defaultValue no limit
   */
  idleInTransactionMs?: number;
}

/** Waiting longer for a connection than this is an outage, not a slow query. */
const CONNECT_TIMEOUT_MS = 5_000;

/**
 * How many times a transaction runs when PostgreSQL aborts it to break a
 * deadlock (40P01) or a serialization failure (40001): the other
 * transaction then goes through, and this one can run again as if it came
 * after it.
 */
const CONFLICT_TRIES = 5;
const CONFLICT_STATES = new Set(['40P01', '40001']);

export class Db implements Queryable {
  readonly #pool: pg.Pool;
  readonly #onHealth: (outage: unknown) => void;

  constructor(options: DbOptions) {
    this.#onHealth = options.onHealth;
    this.#pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.poolSize,
      application_name: options.applicationName,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      keepAlive: true,
      ...(options.idleInTransactionMs === undefined
        ? {}
        : { idle_in_transaction_session_timeout: options.idleInTransactionMs }),
      // Times are read as text in this form (rows.ts, isoTime), whatever the server's defaults.
      options: `-c TimeZone=UTC -c DateStyle=ISO${options.asyncCommit ? ' -c synchronous_commit=off' : ''}`,
    });
    // An idle connection that breaks (server restart, pg_terminate_backend) is
    // reported here; without a listener it would crash the process.
    this.#pool.on('error', (err) => {
      options.logger.warn(`postgres: an idle connection failed: ${err.message}`);
    });
  }

  async query<R extends QueryResultRow>(text: string, values?: readonly unknown[]): Promise<R[]> {
    try {
      const result = await this.#pool.query<R>(text, values as unknown[] | undefined);
      this.#onHealth(null);
      return result.rows;
    } catch (err) {
      throw this.#failed(err);
    }
  }

  /**
   * Runs `fn` in one transaction: committed if it resolves, rolled back if it
   * throws. Run again, from the start, when PostgreSQL aborted it as one side
   * of a deadlock: `fn` must have no effect outside the transaction.
   */
  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.session(async (client) => {
      for (let tries = 1; ; tries += 1) {
        await client.query('BEGIN');
        try {
          const value = await fn(clientQueryable(client));
          await client.query('COMMIT');
          return value;
        } catch (err) {
          if (isOutage(err)) throw err;
          await client.query('ROLLBACK');
          if (!(isConflict(err) && tries < CONFLICT_TRIES)) throw err;
        }
      }
    });
  }

  /**
   * Runs `fn` on one connection of its own (a transaction, or session state
   * such as an advisory lock). A connection that failed is not given back.
   */
  async session<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    let client: PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (err) {
      throw this.#failed(err);
    }
    let broken: Error | undefined;
    // Checked out, a client has no error listener of the pool's: one whose
    // connection breaks between two statements would crash the process.
    const onError = (err: Error) => {
      broken = err;
    };
    client.on('error', onError);
    try {
      const value = await fn(client);
      this.#onHealth(null);
      return value;
    } catch (err) {
      if (isOutage(err)) broken = err instanceof Error ? err : new Error(String(err));
      throw this.#failed(err);
    } finally {
      client.removeListener('error', onError);
      client.release(broken);
    }
  }

  async end(): Promise<void> {
    await this.#pool.end();
  }

  #failed(err: unknown): Error {
    if (isOutage(err)) this.#onHealth(err);
    return toBackendError(err);
  }
}

function isConflict(err: unknown): boolean {
  return err instanceof DatabaseError && CONFLICT_STATES.has(err.code ?? '');
}

function clientQueryable(client: PoolClient): Queryable {
  return {
    query: async <R extends QueryResultRow>(text: string, values?: readonly unknown[]) =>
      (await client.query<R>(text, values as unknown[] | undefined)).rows,
  };
}
