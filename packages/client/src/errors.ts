/**
 * What the client throws: the server's error `code` and message when the
 * server answered, or ERR_UNREACHABLE when it could not be reached.
 */
export class CadreClientError extends Error {
  override name = 'CadreClientError';

  constructor(
    /** The server's error code, or `ERR_UNREACHABLE`. */
    readonly code: string,
    message: string,
    /** HTTP status; 0 when the server could not be reached. */
    readonly status: number,
    readonly details?: unknown,
    /** Seconds the server asked to wait (`Retry-After`), when it did. */
    readonly retryAfterS?: number,
  ) {
    super(message);
  }
}

export function isCadreClientError(err: unknown): err is CadreClientError {
  return err instanceof CadreClientError;
}
