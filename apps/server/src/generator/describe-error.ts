/**
 * Turns what the client threw into the one line a user of the CLI needs.
 */
import { isCadreClientError } from '@cadre/client';
import { GeneratorError, UsageError } from './errors.js';

export function toGeneratorError(err: unknown, doing: string): Error {
  if (err instanceof GeneratorError || err instanceof UsageError) return err;
  if (!isCadreClientError(err)) return err instanceof Error ? err : new Error(String(err));
  if (err.code === 'ERR_UNREACHABLE') return new GeneratorError(err.message);
  if (err.status === 401 || err.status === 403) {
    return new GeneratorError('the server refused the token (set --token or CADRE_TOKEN)');
  }
  if (err.status === 429 || err.status >= 500) {
    return new GeneratorError(
      `${doing} failed, the server is unavailable: ${err.message} (${err.code})`,
    );
  }
  return new GeneratorError(`${doing} failed: ${err.message} (${err.code})`);
}
