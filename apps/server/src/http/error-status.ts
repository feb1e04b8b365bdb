/**
 * The one place where error codes become HTTP statuses, and the one error
 * body: `{ error: { code, message, details? } }`.
 */
import { isCadreError, type ErrorCode } from '@cadre/core';
import type { Response } from 'express';

export const ERROR_STATUS: Record<ErrorCode, number> = {
  ERR_VALIDATION: 400,
  ERR_UNKNOWN_TASK: 400,
  // A request naming a category that does not exist is a bad request; the
  // category routes override this to 404 (the resource itself is missing).
  ERR_UNKNOWN_CATEGORY: 400,
  ERR_JOB_NOT_FOUND: 404,
  ERR_INVALID_TRANSITION: 409,
  ERR_QUEUE_FULL: 429,
  ERR_UNAUTHORIZED: 401,
  ERR_READ_ONLY: 403,
  ERR_PAYLOAD_TOO_LARGE: 413,
  ERR_NOT_FOUND: 404,
  ERR_NODE_NOT_FOUND: 404,
  ERR_FLOW_NOT_FOUND: 404,
  ERR_SCHEDULE_NOT_FOUND: 404,
  ERR_OBSERVER_NOT_FOUND: 404,
  ERR_NODE_LIVE: 409,
  ERR_NODE_NAME_TAKEN: 500,
  ERR_STORE_UNAVAILABLE: 503,
  ERR_SHUTTING_DOWN: 503,
  ERR_STORE_CORRUPT: 500,
  ERR_STORE_LOCKED: 500,
  ERR_CONFIG: 500,
};

/** Seconds a client should wait before trying again after these. */
const RETRY_AFTER_S: Partial<Record<ErrorCode, number>> = {
  ERR_QUEUE_FULL: 1,
  ERR_STORE_UNAVAILABLE: 5,
  ERR_SHUTTING_DOWN: 5,
};

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

/**
 * Sends `err` as an error response. Returns false for anything that is not a
 * CadreError: the caller decides how to treat the unexpected.
 */
export function sendCadreError(
  res: Response,
  err: unknown,
  overrides: Partial<Record<ErrorCode, number>> = {},
): boolean {
  if (!isCadreError(err)) return false;
  const status = overrides[err.code] ?? ERROR_STATUS[err.code];
  const retryAfter = RETRY_AFTER_S[err.code];
  if (retryAfter !== undefined) res.setHeader('Retry-After', String(retryAfter));
  const body: ErrorBody = { error: { code: err.code, message: err.message } };
  if (err.details !== undefined) body.error.details = err.details;
  res.status(status).json(body);
  return true;
}
