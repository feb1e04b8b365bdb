/**
 * What a failure of the database means to a caller. The contract lets only
 * cadre's own errors out of a verb: anything the database or the network
 * throws becomes ERR_STORE_UNAVAILABLE (try again), except data the database
 * refuses to store (ERR_VALIDATION: trying again would not help).
 */
import { CadreError, Errors, toErrorMessage } from '@cadre/core';
import { DatabaseError } from 'pg';

/** SQLSTATEs besides class 08 that mean the server cannot serve us now. */
const OUTAGE_STATES = new Set([
  '57P01', // admin_shutdown (also pg_terminate_backend)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, shutting down)
  '53300', // too_many_connections
  '53100', // disk_full
  '25006', // read_only_sql_transaction (a standby, or a read-only server)
  '25P03', // idle_in_transaction_session_timeout: this session was ended (see Db)
]);

/**
 * Whether `err` says the database cannot be reached or refuses writes, as
 * opposed to refusing one statement: the backend is then unavailable.
 */
export function isOutage(err: unknown): boolean {
  if (err instanceof CadreError) return false;
  if (err instanceof DatabaseError) {
    const code = err.code ?? '';
    return code.startsWith('08') || OUTAGE_STATES.has(code);
  }
  // A mistake of ours, not of the network.
  if (err instanceof TypeError || err instanceof RangeError || err instanceof ReferenceError) {
    return false;
  }
  // Not an answer of the server: a socket error, a refused, closed or timed-out connection.
  return true;
}

/** Errors made by `toBackendError` from an outage, for those who retry until it ends. */
const fromOutage = new WeakSet<CadreError>();

/** Whether a verb's error came from an outage (trying again later may succeed). */
export function isOutageError(err: unknown): boolean {
  return err instanceof CadreError && fromOutage.has(err);
}

/** The error a verb rejects with. */
export function toBackendError(err: unknown): CadreError {
  if (err instanceof CadreError) return err;
  if (isOutage(err)) {
    const mapped = Errors.databaseUnavailable(toErrorMessage(err));
    fromOutage.add(mapped);
    return mapped;
  }
  // Class 22 (data exception): a NUL character in a text, an out-of-range number, …
  if (err instanceof DatabaseError && err.code?.startsWith('22')) {
    return Errors.validation(`the database refused the data: ${err.message}`, { code: err.code });
  }
  return Errors.databaseUnavailable(toErrorMessage(err));
}
