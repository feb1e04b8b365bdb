/**
 * The config file every node of the cluster section reads, written into a
 * temp dir: the bench's `echo` and the server example's `sleep` task (its
 * own module and input schema) in one category.
 */
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export async function writeClusterConfig(
  file: string,
  options: { balanceIntervalMs?: number; keepFinished?: boolean } = {},
): Promise<void> {
  const server = dirname(createRequire(import.meta.url).resolve('@cadre/server'));
  const config = {
    // Without one, the key is left out of the JSON: the server's default.
    balanceIntervalMs: options.balanceIntervalMs,
    categories: [{ name: 'default', weight: 1, maxRetries: 3 }],
    tasks: [
      {
        name: 'echo',
        module: fileURLToPath(new URL('../../tasks/bench-tasks.js', import.meta.url)),
        export: 'echo',
      },
      { name: 'sleep', module: join(server, '../example/tasks/sleep.js') },
    ],
    // Every job of a node's life stays listable: the latency run reads them back.
    // Or none: successes forgotten as their attempt ends, as graphile-worker does.
    retention:
      options.keepFinished === false
        ? { maxAgeMs: 0, maxCount: 0 }
        : { maxAgeMs: 3_600_000, maxCount: 500_000 },
  };
  await writeFile(file, `${JSON.stringify(config, null, 2)}\n`);
}
