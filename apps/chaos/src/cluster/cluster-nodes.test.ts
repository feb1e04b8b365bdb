/**
 * The harness itself, on one node in local mode (no PostgreSQL): up means
 * healthy and listed by GET /api/nodes; pause and resume freeze and thaw the
 * process; kill -9 is booked by epoch; a restart is a new epoch on the same
 * data; killAll leaves no process behind.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { chaosConfigPath } from '../server-process.js';
import { Cluster } from './cluster-nodes.js';

let cluster: Cluster | undefined;
afterEach(async () => {
  await cluster?.killAll();
  cluster = undefined;
});

describe('Cluster harness (local mode)', () => {
  it('starts, pauses, kills and restarts a node, and kills it for good', async () => {
    cluster = new Cluster({
      database: null,
      config: chaosConfigPath('cadre.config.json'),
      nodes: [{ name: 'solo', workers: 1 }],
    });
    await cluster.start();
    const solo = cluster.node('solo');
    expect(solo.epoch).toBe(1);
    expect((await cluster.view()).map((v) => [v.name, v.state, v.leader])).toEqual([
      ['local', 'live', true],
    ]);
    const job = await cluster.client('solo').submit({ task: 'sleep', input: { ms: 200 } });

    cluster.pause('solo');
    const frozen = await Promise.race([
      cluster
        .client('solo')
        .health()
        .then(() => 'answered'),
      new Promise((r) => setTimeout(() => r('silent'), 500)),
    ]);
    expect(frozen).toBe('silent');
    cluster.resume('solo');
    expect(await cluster.client('solo').health()).toEqual({ ok: true });

    const firstPid = solo.server.pid;
    await cluster.kill('solo');
    expect(cluster.running('solo')).toBe(false);
    expect([...cluster.killedEpochs]).toEqual([1]);

    const again = await cluster.restart('solo');
    expect(again.epoch).toBe(2);
    expect(again.server.pid).not.toBe(firstPid);
    const done = await cluster.client('solo').get(job.id, { waitMs: 5000 });
    expect(done.state).toBe('succeeded');

    const last = again.server;
    await cluster.killAll();
    expect(await last.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(cluster.runningNodes).toEqual([]);
  }, 60_000);
});
