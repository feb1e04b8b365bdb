/** Turns anything thrown into one readable line for the person at the screen. */
import { isCadreClientError } from '@cadre/client';

export function describeError(err: unknown): string {
  if (isCadreClientError(err)) {
    if (err.status === 0) return `Cannot reach the cadre server (${err.message}).`;
    if (err.status === 401) return 'The server asks for a valid token.';
    return `${err.message} (${err.code})`;
  }
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}

export function isUnauthorized(err: unknown): boolean {
  return isCadreClientError(err) && err.status === 401;
}

export function isNotFound(err: unknown): boolean {
  return isCadreClientError(err) && err.status === 404;
}

/** A change refused because the token may only read (CADRE_READ_TOKEN). */
export function isReadOnly(err: unknown): boolean {
  return isCadreClientError(err) && err.code === 'ERR_READ_ONLY';
}
