/**
 * The "Use cadre in your project" section of the root README, read as the
 * pack-and-install test's script: its files (```lang title="path"```) and its
 * commands (```sh cwd=cadre``` or ```sh cwd=app```), in order.
 */
import { readFileSync } from 'node:fs';

export const README = new URL('../../../README.md', import.meta.url);
const SECTION = '## Use cadre in your project';

export type Step =
  | { kind: 'file'; path: string; content: string }
  | { kind: 'command'; cwd: 'cadre' | 'app'; command: string };

export function readmeSteps(): Step[] {
  const text = readFileSync(README, 'utf8');
  const start = text.indexOf(`\n${SECTION}\n`);
  if (start < 0) throw new Error(`README.md has no '${SECTION}' section`);
  const end = text.indexOf('\n## ', start + SECTION.length + 2);
  const section = text.slice(start, end < 0 ? undefined : end);
  const steps: Step[] = [];
  for (const [, info, body] of section.matchAll(/^```([^\n]*)\n([\s\S]*?)^```$/gm)) {
    const title = /title="([^"]+)"/.exec(info!)?.[1];
    const cwd = /cwd=(cadre|app)\b/.exec(info!)?.[1] as 'cadre' | 'app' | undefined;
    if (title !== undefined) steps.push({ kind: 'file', path: title, content: body! });
    else if (cwd !== undefined) {
      for (const line of body!.split('\n')) {
        if (line.trim() !== '' && !line.startsWith('#')) {
          steps.push({ kind: 'command', cwd, command: line.trim() });
        }
      }
    }
  }
  return steps;
}
