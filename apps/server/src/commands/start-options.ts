/**
 * `cadre start`'s flags. Each mirrors one environment variable and wins over
 * it; they are applied to the environment so that the server reads its
 * settings in one place (server-env.ts, load-config.ts).
 */
import { parseArgs } from 'node:util';
import { UsageError } from './usage.js';

export function startEnv(argv: readonly string[]): Record<string, string> {
  const { values } = parseFlags(argv, {
    config: { type: 'string' },
    port: { type: 'string' },
    data: { type: 'string' },
  });
  const env: Record<string, string> = {};
  if (values.config !== undefined) env.CADRE_CONFIG = nonEmpty('--config', values.config);
  if (values.data !== undefined) env.CADRE_DATA = nonEmpty('--data', values.data);
  if (values.port !== undefined) {
    const port = values.port.trim();
    if (!/^\d+$/.test(port) || Number(port) > 65_535) {
      throw new UsageError(`--port must be an integer from 0 to 65535, got '${values.port}'`);
    }
    env.PORT = port;
  }
  return env;
}

/** `cadre check`'s only flag. */
export function checkConfigFile(argv: readonly string[]): string | undefined {
  const { values } = parseFlags(argv, { config: { type: 'string' } });
  return values.config === undefined ? undefined : nonEmpty('--config', values.config);
}

function parseFlags<T extends Record<string, { type: 'string' }>>(
  argv: readonly string[],
  options: T,
) {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function nonEmpty(flag: string, value: string): string {
  if (value.trim() === '') throw new UsageError(`${flag} needs a value`);
  return value;
}
