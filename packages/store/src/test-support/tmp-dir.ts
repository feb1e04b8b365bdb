import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export async function makeTmpDir(): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'cadre-store-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Every file of `dir` with its bytes, to prove that nothing was touched. */
export async function readTree(dir: string): Promise<Record<string, Buffer>> {
  const tree: Record<string, Buffer> = {};
  for (const name of (await readdir(dir)).sort()) tree[name] = await readFile(join(dir, name));
  return tree;
}
