// examples/embed as a user runs it: `node main.js` in its folder, a real
// process with its own data directory.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { start } from './child.js';

const example = fileURLToPath(new URL('../../../examples/embed', import.meta.url));
const data = mkdtempSync(join(tmpdir(), 'cadre-embed-'));
afterAll(() => rmSync(data, { recursive: true, force: true }));

describe('examples/embed', () => {
  it('runs two jobs in its own process: one succeeds, one fails on its input', async () => {
    const run = start(process.execPath, ['main.js'], {
      cwd: example,
      env: { PATH: process.env.PATH ?? '', CADRE_DATA: data },
    });
    expect(await run.exited, run.output()).toBe(0);
    expect(run.output().trim().split('\n')).toEqual([
      expect.stringMatching(
        /^job \w+ thumbnail succeeded: \{"thumbnail":"https:\/\/example\.com\/cat\.png\?w=200","attempt":1\}$/,
      ),
      expect.stringMatching(
        /^job \w+ thumbnail failed: input\.width: Too small: expected number to be >0$/,
      ),
    ]);
  });
});
