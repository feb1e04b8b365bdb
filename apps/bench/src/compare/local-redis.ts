/**
 * The Redis the BullMQ runs use: the machine's own on 127.0.0.1:6379 when it
 * answers PING, else a throwaway `redis-server` from Debian's package on a
 * free port, keeping nothing on disk, stopped at close.
 */
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { freePort } from '../free-port.js';
import { pollUntil } from '../cluster/poll-until.js';
import { stopChild } from '../stop-child.js';

export const REDIS_SERVER = '/usr/bin/redis-server';
const HOST = '127.0.0.1';
const DEFAULT_PORT = 6379;
const PING_MS = 1000;
const START_MS = 10_000;
const STOP_MS = 10_000;

export interface LocalRedis {
  host: string;
  port: number;
  /** `shared`: the machine's own, left running; `started`: ours, stopped at close. */
  origin: 'shared' | 'started';
  close(): Promise<void>;
}

/**
 * Use the Redis that answered `reply` to PING (null: no answer at all), or
 * start one. A Redis that answers with an error (NOAUTH, DENIED, LOADING)
 * is not usable as is, so one of our own is started.
 */
export function planRedis(reply: string | null): 'use' | 'start' {
  return reply === '+PONG' ? 'use' : 'start';
}

export async function openLocalRedis(): Promise<LocalRedis> {
  if (planRedis(await ping(HOST, DEFAULT_PORT)) === 'use') {
    return { host: HOST, port: DEFAULT_PORT, origin: 'shared', close: async () => {} };
  }
  const port = await freePort();
  const child = spawn(
    REDIS_SERVER,
    ['--bind', HOST, '--port', String(port), '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  let ended: string | null = null;
  child.once('error', (err) => (ended = `${REDIS_SERVER} could not start: ${err.message}`));
  child.once('exit', (code, signal) => (ended ??= `${REDIS_SERVER} exited with ${code ?? signal}`));
  const outcome = await pollUntil(
    START_MS,
    async () => {
      if (ended !== null) throw new Error(ended);
      return (await ping(HOST, port)) === '+PONG';
    },
    50,
  ).then(
    () => null,
    (err: unknown) => (err instanceof Error ? err.message : String(err)),
  );
  if (outcome !== null) {
    await stopChild(child, STOP_MS);
    throw new Error(
      `no Redis on ${HOST}:${DEFAULT_PORT}, and none could be started on :${port}: ${outcome} ` +
        '(on Debian: apt-get install redis-server)',
    );
  }
  return { host: HOST, port, origin: 'started', close: () => stopChild(child, STOP_MS) };
}

/** The first reply line to an inline PING, or null when nothing answers within PING_MS. */
function ping(host: string, port: number): Promise<string | null> {
  return new Promise((resolve) => {
    let reply = '';
    const socket = connect({ host, port });
    const done = (line: string | null) => {
      socket.destroy();
      resolve(line);
    };
    socket.setTimeout(PING_MS, () => done(null));
    socket.once('error', () => done(null));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString();
      const end = reply.indexOf('\r\n');
      if (end >= 0) done(reply.slice(0, end));
    });
  });
}
