// The README's "Use cadre in your project", followed word for word in a fresh
// project: `npm run pack` here, `npm install` of the tarballs there (npm's
// cache first, the registry for what it lacks), the JS and TS tasks and the
// config written from the README, `npx cadre check`, `npx cadre start`; then
// jobs of both tasks over HTTP, the dashboard, and a stop on SIGTERM.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { run, start, until, userEnv, type Running } from './child.js';
import { README, readmeSteps } from './readme.js';

const repo = fileURLToPath(new URL('../../..', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'cadre-install-'));
const app = join(root, 'my-app');
mkdirSync(app);
let server: Running | null = null;

afterAll(() => {
  // npx and cadre share the process group the test gave them.
  if (server !== null) signalGroup(server, 'SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

function signalGroup(running: Running, signal: NodeJS.Signals): void {
  try {
    process.kill(-running.child.pid!, signal);
  } catch {
    // Already gone.
  }
}

interface Job {
  id: string;
  task: string;
  state: string;
  result: unknown;
  lastError: { message: string } | null;
}

describe('cadre packed and installed in a fresh project, as the README says', () => {
  const steps = readmeSteps();
  const commands = steps.flatMap((s) => (s.kind === 'command' ? [s.command] : []));

  it('has the steps this test knows how to follow', () => {
    expect(commands).toEqual([
      'npm ci',
      'npm run pack',
      'npm init -y',
      'npm pkg set type=module',
      'npm install /path/to/cadre/packs/*.tgz zod',
      'npm install --save-dev typescript@~5.9.3 @types/node@20',
      'npx tsc',
      'npx cadre check --config cadre.config.json',
      'npx cadre start --config cadre.config.json',
    ]);
    expect(steps.flatMap((s) => (s.kind === 'file' ? [s.path] : []))).toEqual([
      'tasks/greet.js',
      'tsconfig.json',
      'src/resize.ts',
      'cadre.config.json',
    ]);
  });

  it('installs, checks and runs a JS and a TS task importing @cadre/pool, with the dashboard', async () => {
    const timings: string[] = [];
    for (const step of steps) {
      const began = Date.now();
      if (step.kind === 'file') {
        mkdirSync(dirname(join(app, step.path)), { recursive: true });
        writeFileSync(join(app, step.path), step.content);
        continue;
      }
      const { command } = step;
      // The repository under test is installed already: `npm ci` would wipe
      // node_modules under the tests that are running.
      if (command === 'npm ci') continue;
      if (command.startsWith('npx cadre start')) {
        server = await startServer(command);
        break;
      }
      const output = await run(command.replaceAll('/path/to/cadre', repo), {
        cwd: step.cwd === 'cadre' ? repo : app,
        env: userEnv(),
      });
      if (command.startsWith('npx cadre check')) {
        expect(output).toMatch(/^ok {3}task 'greet' \(\S+\/my-app\/tasks\/greet\.js\)$/m);
        expect(output).toMatch(
          /^ok {3}task 'resize' \(\S+\/my-app\/dist\/resize\.js, input schema from defineTask\)$/m,
        );
        expect(output).toMatch(/^all 2 tasks can run$/m);
      }
      timings.push(`${command}: ${((Date.now() - began) / 1000).toFixed(1)} s`);
    }
    console.log(`pack and install, step by step:\n  ${timings.join('\n  ')}`);
    expect(server, 'the README never starts the server').not.toBeNull();
    const url = await ready(server!);

    // The README's curl body, sent as it is.
    const body = /-d '(\[.+\])'/.exec(readFileSync(README, 'utf8'))?.[1];
    expect(body).toBeDefined();
    const submitted = await fetch(`${url}/api/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(submitted.status).toBe(201);
    const jobs = (await submitted.json()) as Job[];
    const finished = await Promise.all(
      jobs.map(async (job) => {
        const res = await fetch(`${url}/api/jobs/${job.id}?waitMs=20000`);
        return (await res.json()) as Job;
      }),
    );
    expect(finished.map((j) => [j.task, j.state, j.result, j.lastError])).toEqual([
      ['greet', 'succeeded', { greeting: 'hello Ada' }, null],
      [
        'resize',
        'succeeded',
        { resized: 'https://example.com/a.png', width: 200, format: 'webp' },
        null,
      ],
    ]);

    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain('<div id="root"></div>');
    const script = /<script[^>]+src="([^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(new URL(script!, url));
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);

    // As Ctrl-C, Docker or systemd do: the signal goes to the process group,
    // so cadre gets it once (npx alone would not pass it on through its shell).
    signalGroup(server!, 'SIGTERM');
    await server!.closed;
    expect(server!.output()).toMatch(/"signal":"SIGTERM".*"msg":"cadre stopping/);
    expect(server!.output()).toContain('"msg":"cadre stopped"');
  });
});

function startServer(command: string): Running {
  const [file, ...args] = command.split(' ');
  // Port 0: a free port, announced in the log; the data directory is the project's ./data.
  return start(file!, args, {
    cwd: app,
    env: userEnv({ PORT: '0', CADRE_WORKERS: '2' }),
    detached: true,
  });
}

async function ready(started: Running): Promise<string> {
  const match = await until(
    () => /cadre listening on (http:\/\/[^\s"]+)/.exec(started.output()),
    (m) => m !== null || started.child.exitCode !== null,
    60_000,
  );
  if (match === null) throw new Error(`cadre start exited early:\n${started.output()}`);
  return match[1]!;
}
