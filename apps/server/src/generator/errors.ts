/**
 * How the generator gives up. These are not domain errors (those are
 * `CadreError`s, raised by the server and seen here as `CadreClientError`s):
 * they carry the process exit code the CLI ends with.
 */

/** Bad command-line input: the CLI prints the message and the usage, exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
  readonly exitCode = 2;
}

/** The run could not be carried out (server unreachable, token refused, …): exit 1. */
export class GeneratorError extends Error {
  override name = 'GeneratorError';
  readonly exitCode = 1;
}
