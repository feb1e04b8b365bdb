// `npm run cluster`: three cadre nodes sharing one PostgreSQL, to see
// cluster mode at work. It uses CADRE_DATABASE_URL when set, else starts a
// throwaway PostgreSQL that goes away with it. The nodes listen on PORT
// (default 3000) and the two ports after it. Ctrl-C stops the nodes
// gracefully, then the database, and exits 0. The root script builds the
// server first (turbo).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const NODES = 3;
const HOST = '127.0.0.1';
const READY_TIMEOUT_MS = 60_000;
const MAIN = fileURLToPath(new URL('../apps/server/dist/main.js', import.meta.url));
const LEVELS = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

const firstPort = Number(process.env.PORT || 3000);
const dataRoot = mkdtempSync(join(tmpdir(), 'cadre-cluster-'));
const nodes = [];
/** The throwaway database, while starting or started; null with CADRE_DATABASE_URL. */
let throwaway = null;
/** Set once the cluster is stopping. */
let stopped = null;

/** Prints a node's line with its name; pino's JSON lines shortened to level and message. */
function show(name, line) {
  let text = line;
  try {
    const entry = JSON.parse(line);
    if (typeof entry.msg === 'string') text = `${LEVELS[entry.level] ?? entry.level} ${entry.msg}`;
  } catch {
    // not JSON: as it is
  }
  console.log(`${name} | ${text}`);
}

function startNode(index, databaseUrl) {
  const name = `node-${index + 1}`;
  const port = firstPort + index;
  const child = spawn(process.execPath, [MAIN], {
    env: {
      ...process.env,
      HOST,
      PORT: String(port),
      CADRE_DATABASE_URL: databaseUrl,
      CADRE_NODE: name,
      CADRE_DATA: join(dataRoot, name),
    },
    // Its own process group: Ctrl-C reaches this script only, which then
    // sends each node one SIGTERM (a second signal stops a node at once).
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => show(name, line));
  }
  const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  exited.then((code) => {
    if (stopped !== null) return;
    console.error(`${name} exited (code ${code}): stopping the cluster`);
    void stop(1);
  });
  return { name, url: `http://${HOST}:${port}`, child, exited };
}

/** True once the node answers /healthz; false if it exits first or takes too long. */
async function ready(node) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (node.child.exitCode === null && stopped === null && Date.now() < deadline) {
    try {
      if ((await fetch(`${node.url}/healthz`)).ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}

/** Stops the nodes and waits for them, then the throwaway database; exits with `code`. Once. */
function stop(code) {
  stopped ??= (async () => {
    console.log('stopping the nodes: running jobs may finish (CADRE_GRACE_MS)');
    for (const { child } of nodes) if (child.exitCode === null) child.kill('SIGTERM');
    await Promise.all(nodes.map((n) => n.exited));
    const database = await throwaway?.catch(() => null);
    if (database) {
      console.log('stopping the throwaway PostgreSQL');
      await database.stop();
    }
    rmSync(dataRoot, { recursive: true, force: true });
    process.exit(code);
  })();
  return stopped;
}

// Only the first signal counts: under `npm run`, one Ctrl-C can arrive twice
// (from the terminal and forwarded by npm), and a second SIGTERM would make a
// node exit at once instead of letting its jobs finish.
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));
// Should this script die without stop(), it takes its nodes with it.
process.on('exit', () => {
  for (const { child } of nodes) if (child.exitCode === null) child.kill('SIGKILL');
});

let databaseUrl = process.env.CADRE_DATABASE_URL;
if (!databaseUrl) {
  console.log('CADRE_DATABASE_URL is unset: starting a throwaway PostgreSQL');
  // Loaded only when needed: with CADRE_DATABASE_URL set, the package is not used.
  throwaway = import('@cadre/postgres').then((pg) => pg.startThrowawayPostgres());
  try {
    databaseUrl = (await throwaway).url;
  } catch (err) {
    console.error(`cannot start a throwaway PostgreSQL: ${err.message}`);
    await stop(1);
  }
}
if (stopped === null) {
  for (let i = 0; i < NODES; i++) nodes.push(startNode(i, databaseUrl));
  const answered = await Promise.all(nodes.map(ready));
  if (stopped === null && answered.every(Boolean)) {
    const where = throwaway ? 'a throwaway PostgreSQL' : 'CADRE_DATABASE_URL';
    console.log(`\ncadre cluster: ${NODES} nodes on ${where}; the dashboard of each:`);
    for (const node of nodes) console.log(`  ${node.name}  ${node.url}`);
    console.log('Ctrl-C stops them.\n');
  } else if (stopped === null) {
    console.error(
      `cadre cluster: a node did not answer /healthz within ${READY_TIMEOUT_MS / 1000} s`,
    );
    await stop(1);
  }
}
