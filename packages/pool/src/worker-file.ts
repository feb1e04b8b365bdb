/**
 * Where the pool's thread entry files are, and how a thread loads them. Under
 * vitest the pool runs from its TypeScript sources: its threads then need tsx
 * to load `*.ts` entries and `.ts` task modules.
 */
const FROM_SOURCE = import.meta.url.endsWith('.ts');

/** The URL of a thread entry file beside this one (`worker` → worker.js or worker.ts). */
export function workerFile(name: string): URL {
  return new URL(`./${name}${FROM_SOURCE ? '.ts' : '.js'}`, import.meta.url);
}

/**
 * The file piscina loads in each thread: a CommonJS entry that imports the
 * thread side, so that no thread runs require() of an ES module (see it).
 */
export const POOL_ENTRY = new URL('./worker-entry.cjs', import.meta.url);

export const WORKER_EXEC_ARGV: string[] | undefined = FROM_SOURCE
  ? [...process.execArgv, '--import', new URL('./tsx-in-worker.mjs', import.meta.url).href]
  : undefined;
