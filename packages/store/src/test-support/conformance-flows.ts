/**
 * Conformance: flows (core's flows.ts) through the verbs. Callbacks are
 * created `waiting` with their parents in one submit; the verb that finishes
 * a job fires or drops them in the same commit and tells of it; chains and
 * chords are callbacks with a role and a flow id; waiting jobs count, are
 * listed and are kept from pruning while a callback needs them.
 */
import { describe, expect, it } from 'vitest';
import {
  createJob,
  transition,
  type AttemptOutcome,
  type Job,
  type JobState,
  type JobTrigger,
  type Json,
} from '@cadre/core';
import type { Backend, JobSpec } from '../backend.js';
import { claimOne } from './conformance-jobs.js';
import { NODE, T0, pause, rejection, spec, type Conformance } from './conformance-support.js';

const onSuccess = (pass: JobTrigger['pass'] = 'result'): JobTrigger => ({ on: 'success', pass });
const onError = (pass: JobTrigger['pass'] = 'error'): JobTrigger => ({ on: 'error', pass });
const ok = (value: Json): AttemptOutcome => ({ kind: 'ok', value });
const broke = (message: string): AttemptOutcome => ({ kind: 'error', message, retryable: false });

async function submitAll(backend: Backend, specs: JobSpec[], now = T0): Promise<Job[]> {
  const results = await backend.submit(specs, now);
  expect(results.map((r) => r.created)).toEqual(specs.map(() => true));
  return results.map((r) => r.job);
}

/** Ends the attempt of `running` (as claimed) with `outcome` at `now`. */
async function finish(
  backend: Backend,
  running: Job,
  outcome: AttemptOutcome,
  now: number,
): Promise<Job> {
  const done = await backend.complete(
    { id: running.id, attempt: running.attempts, outcome, retryDelayMs: 0 },
    now,
  );
  expect(done).not.toBeNull();
  return done!;
}

/** Claims the queued jobs of `category` and answers them by id. */
async function claimAll(
  backend: Backend,
  category: string,
  now: number,
): Promise<Map<string, Job>> {
  const jobs = await backend.claim(category, 1000, now);
  return new Map(jobs.map((j) => [j.id, j]));
}

/** The record core gives `job` fired at `now` with `input`. */
const fired = (job: Job, input: Json, now: number): Job =>
  transition(job, { type: 'fire', input }, now);

/** The record core gives `job` dropped at `now`, its message naming the job upstream of it. */
const dropped = (job: Job, now: number, upstream: Job): Job => ({
  ...transition(job, { type: 'drop', message: '' }, now),
  lastError: { kind: 'upstream', message: expect.stringContaining(upstream.id) as string },
});

/** The state of each of `jobs` as the backend has them now. */
async function states(backend: Backend, jobs: readonly Job[]): Promise<(JobState | undefined)[]> {
  return Promise.all(jobs.map(async (j) => (await backend.get(j.id))?.state));
}

/** Records every `change` event; `take()` answers those since the last take, sorted by id. */
function recordChanges(backend: Backend): { take(): [Job, JobState | null][] } {
  const events: [Job, JobState | null][] = [];
  backend.on('change', (job, previous) => events.push([job, previous]));
  return {
    take: () => events.splice(0).sort(([a], [b]) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
  };
}

/** A chain of `n` steps (inputs ['s0'], …), with an error callback of the last step. */
function chainSpecs(n: number): JobSpec[] {
  const steps = Array.from({ length: n }, (_, i) =>
    spec({
      input: [`s${i}`],
      maxRetries: 0,
      flowRole: 'step',
      ...(i === 0 ? {} : { parents: [i - 1], trigger: onSuccess() }),
    }),
  );
  return [
    ...steps,
    spec({
      input: [9],
      category: 'cb',
      flowRole: 'callback',
      parents: [n - 1],
      trigger: onError(),
    }),
  ];
}

/** A group of `n` members and its chord (input ['tail']) in category `cb`, with the chord's error callback (input [9]). */
function chordSpecs(n: number): JobSpec[] {
  const members = Array.from({ length: n }, (_, i) =>
    spec({ input: i, maxRetries: 0, flowRole: 'member' }),
  );
  return [
    ...members,
    spec({
      input: ['tail'],
      category: 'cb',
      flowRole: 'chord',
      parents: members.map((_, i) => i),
      trigger: onSuccess('results'),
    }),
    spec({ input: [9], category: 'cb', flowRole: 'callback', parents: [n], trigger: onError() }),
  ];
}

export function describeFlows(suite: Conformance): void {
  describe('flows: submit', () => {
    it('creates callbacks waiting, with their parents (as ids) and trigger, in the submit of their parent', async () => {
      const { backend } = await suite.open();
      const changes = recordChanges(backend);
      const specs = [
        spec({ input: 'p' }),
        spec({ input: 'p2', category: 'other' }),
        spec({ input: ['x', 2], category: 'cb', parents: [0], trigger: onSuccess() }),
        spec({ input: null, category: 'cb', parents: [0], trigger: onError() }),
        spec({ input: 't', category: 'cb', parents: [1], trigger: onSuccess('nothing') }),
      ];
      const jobs = await submitAll(backend, specs);
      const [p, p2, s, e, t] = jobs as [Job, Job, Job, Job, Job];
      expect(s).toEqual(createJob({ ...specs[2]!, id: s.id, parents: [p.id] }, T0));
      expect(e).toEqual(createJob({ ...specs[3]!, id: e.id, parents: [p.id] }, T0));
      expect(t).toEqual(createJob({ ...specs[4]!, id: t.id, parents: [p2.id] }, T0));
      expect(jobs.map((j) => j.state)).toEqual([
        'queued',
        'queued',
        'waiting',
        'waiting',
        'waiting',
      ]);
      expect(s).toMatchObject({ flowId: null, flowRole: null, trigger: onSuccess() });
      expect(p).toMatchObject({ parents: [], trigger: null, flowId: null });
      const ids = jobs.map((j) => j.id);
      expect([...ids].sort()).toEqual(ids);
      for (const job of jobs) expect(await backend.get(job.id)).toEqual(job);
      expect(changes.take()).toEqual(jobs.map((j) => [j, null]));
      // Only the parents are queued.
      expect(await backend.claim('cb', 10, T0 + 1)).toEqual([]);
      expect((await claimOne(backend, T0 + 1)).id).toBe(p.id);
      expect((await claimOne(backend, T0 + 1, 'other')).id).toBe(p2.id);
    });

    it('gives the specs with a role one new flow id, and lists its jobs', async () => {
      const { backend } = await suite.open();
      const specs = [...chainSpecs(2), spec({ input: 'plain' })];
      const jobs = await submitAll(backend, specs);
      const flowId = jobs[0]!.flowId!;
      expect(typeof flowId).toBe('string');
      expect(jobs.map((j) => j.flowId)).toEqual([flowId, flowId, flowId, null]);
      expect(jobs.map((j) => j.flowRole)).toEqual(['step', 'step', 'callback', null]);
      expect(jobs.map((j) => j.id)).not.toContain(flowId);
      jobs.forEach((job, i) => {
        const parents = (specs[i]!.parents ?? []).map((k) => jobs[k]!.id);
        const flow = specs[i]!.flowRole ? flowId : null;
        expect(job).toEqual(createJob({ ...specs[i]!, id: job.id, parents, flowId: flow }, T0));
      });
      expect(await backend.flowJobs(flowId)).toEqual(jobs.slice(0, 3));
      const other = await submitAll(backend, chordSpecs(2), T0 + 1);
      const otherId = other[0]!.flowId!;
      expect(otherId).not.toBe(flowId);
      expect(other.every((j) => j.flowId === otherId)).toBe(true);
      expect((await backend.flowJobs(otherId)).map((j) => j.id)).toEqual(other.map((j) => j.id));
      expect(await backend.flowJobs('nobody')).toEqual([]);
      expect(await backend.flowJobs(flowId)).toEqual(jobs.slice(0, 3));
    });
  });

  describe('flows: callbacks', () => {
    it('a success fires the success callback with [result, ...args] and drops the error callback', async () => {
      const { backend } = await suite.open();
      const [, s, e] = await submitAll(backend, [
        spec({ maxRetries: 0 }),
        spec({ input: ['x', 2], category: 'cb', parents: [0], trigger: onSuccess() }),
        spec({ input: [1], category: 'cb', parents: [0], trigger: onError() }),
      ]);
      const changes = recordChanges(backend);
      const running = await claimOne(backend, T0 + 1);
      changes.take();
      const done = await finish(backend, running, ok({ n: 1 }), T0 + 2);
      const go = fired(s!, [{ n: 1 }, 'x', 2], T0 + 2);
      expect(go).toMatchObject({ state: 'queued', input: [{ n: 1 }, 'x', 2] });
      expect(await backend.get(s!.id)).toEqual(go);
      const no = await backend.get(e!.id);
      expect(no).toEqual(dropped(e!, T0 + 2, running));
      expect(no).toMatchObject({ state: 'cancelled', lastError: { kind: 'upstream' } });
      expect(changes.take()).toEqual([
        [done, 'running'],
        [go, 'waiting'],
        [no, 'waiting'],
      ]);
      // The fired callback runs in its own category, with the input it was given.
      expect(await backend.claim('cb', 10, T0 + 3)).toEqual([
        transition(go, { type: 'start', node: NODE.name }, T0 + 3),
      ]);
    });

    it('a callback without input gets [result]; an immutable parent passes nothing', async () => {
      const { backend } = await suite.open();
      const [, bare, own, , mine] = await submitAll(backend, [
        spec({ maxRetries: 0, category: 'a' }),
        spec({ input: null, category: 'cb', parents: [0], trigger: onSuccess() }),
        spec({ input: { own: true }, category: 'cb', parents: [0], trigger: onSuccess('nothing') }),
        spec({ maxRetries: 0, category: 'b' }),
        spec({ input: 'mine', category: 'cb', parents: [3], trigger: onError('nothing') }),
      ]);
      await finish(backend, await claimOne(backend, T0 + 1, 'a'), ok(5), T0 + 2);
      await finish(backend, await claimOne(backend, T0 + 1, 'b'), broke('boom'), T0 + 3);
      expect(await backend.get(bare!.id)).toEqual(fired(bare!, [5], T0 + 2));
      expect(await backend.get(own!.id)).toEqual(fired(own!, { own: true }, T0 + 2));
      expect(await backend.get(mine!.id)).toEqual(fired(mine!, 'mine', T0 + 3));
    });

    it('a failure for good fires the error callback with [message, ...args]; a retry waits', async () => {
      const { backend } = await suite.open();
      const [, s, e] = await submitAll(backend, [
        spec({ maxRetries: 1 }),
        spec({ category: 'cb', parents: [0], trigger: onSuccess() }),
        spec({ input: [1], category: 'cb', parents: [0], trigger: onError() }),
      ]);
      const first = await claimOne(backend, T0 + 1);
      const again: AttemptOutcome = { kind: 'error', message: 'not yet', retryable: true };
      const retrying = await finish(backend, first, again, T0 + 2);
      expect(retrying.state).toBe('retrying');
      expect(await states(backend, [s!, e!])).toEqual(['waiting', 'waiting']);
      await backend.promoteDue(T0 + 2);
      const second = await claimOne(backend, T0 + 3);
      const failed = await finish(backend, second, broke('boom'), T0 + 4);
      expect(failed.state).toBe('failed');
      expect(await backend.get(e!.id)).toEqual(fired(e!, ['boom', 1], T0 + 4));
      const no = await backend.get(s!.id);
      expect(no).toEqual(dropped(s!, T0 + 4, failed));
      expect(no!.lastError!.message).toContain('boom');
      expect((await claimOne(backend, T0 + 5, 'cb')).id).toBe(e!.id);
    });

    it('a fired callback settles its own callbacks when it finishes', async () => {
      const { backend } = await suite.open();
      const [, s, ss] = await submitAll(backend, [
        spec({ maxRetries: 0 }),
        spec({ input: null, category: 'cb', maxRetries: 0, parents: [0], trigger: onSuccess() }),
        spec({ input: ['z'], category: 'cb2', parents: [1], trigger: onSuccess() }),
      ]);
      await finish(backend, await claimOne(backend, T0 + 1), ok('one'), T0 + 2);
      expect((await backend.get(ss!.id))!.state).toBe('waiting');
      const running = await claimOne(backend, T0 + 3, 'cb');
      expect(running).toMatchObject({ id: s!.id, input: ['one'] });
      await finish(backend, running, ok('two'), T0 + 4);
      expect(await backend.get(ss!.id)).toEqual(fired(ss!, ['two', 'z'], T0 + 4));
    });
  });

  describe('flows: chains', () => {
    it('passes each result to the next step, across categories', async () => {
      const { backend } = await suite.open();
      const specs = chainSpecs(3);
      specs[1] = { ...specs[1]!, category: 'two' };
      const [a, b, c, ce] = await submitAll(backend, specs);
      await finish(backend, await claimOne(backend, T0 + 1), ok(1), T0 + 2);
      expect(await backend.get(b!.id)).toEqual(fired(b!, [1, 's1'], T0 + 2));
      expect(await states(backend, [c!, ce!])).toEqual(['waiting', 'waiting']);
      await finish(backend, await claimOne(backend, T0 + 3, 'two'), ok(2), T0 + 4);
      expect(await backend.get(c!.id)).toEqual(fired(c!, [2, 's2'], T0 + 4));
      await finish(backend, await claimOne(backend, T0 + 5), ok(3), T0 + 6);
      expect(await states(backend, [a!, b!, c!, ce!])).toEqual([
        'succeeded',
        'succeeded',
        'succeeded',
        'cancelled',
      ]);
    });

    it('a failed step drops every later step (upstream), and their error callbacks run with its error', async () => {
      const { backend } = await suite.open();
      const jobs = await submitAll(backend, chainSpecs(12));
      const steps = jobs.slice(0, 12);
      const ce = jobs[12]!;
      await finish(backend, await claimOne(backend, T0 + 1), ok(0), T0 + 2);
      const changes = recordChanges(backend);
      const running = await claimOne(backend, T0 + 3);
      expect(running.id).toBe(steps[1]!.id);
      changes.take();
      const failed = await finish(backend, running, broke('boom'), T0 + 4);
      const later = steps.slice(2);
      for (const [i, step] of later.entries()) {
        const got = await backend.get(step.id);
        // Each names the step before it, which was dropped with the failure it carries on.
        expect(got).toEqual(dropped(step, T0 + 4, i === 0 ? failed : later[i - 1]!));
        expect(got!.lastError!.message).toContain('boom');
      }
      const cbRun = fired(ce, ['boom', 9], T0 + 4);
      expect(await backend.get(ce.id)).toEqual(cbRun);
      const events = changes.take();
      expect(events.map(([j, previous]) => [j.id, j.state, previous])).toEqual([
        [failed.id, 'failed', 'running'],
        ...later.map((s) => [s.id, 'cancelled', 'waiting']),
        [ce.id, 'queued', 'waiting'],
      ]);
      expect(await backend.claim('default', 10, T0 + 5)).toEqual([]);
      expect((await claimOne(backend, T0 + 5, 'cb')).input).toEqual(['boom', 9]);
    });
  });

  describe('flows: chords', () => {
    it('fires once every member has succeeded, completed out of order, with the results in member order', async () => {
      const { backend } = await suite.open();
      const jobs = await submitAll(backend, chordSpecs(4));
      const [z, ze] = jobs.slice(4) as [Job, Job];
      const running = await claimAll(backend, 'default', T0 + 1);
      expect(running.size).toBe(4);
      const members = jobs.slice(0, 4).map((m) => running.get(m.id)!);
      for (const [k, i] of [2, 0, 3].entries()) {
        await finish(backend, members[i]!, ok({ m: i }), T0 + 10 + k);
        expect(await states(backend, [z, ze])).toEqual(['waiting', 'waiting']);
      }
      await finish(backend, members[1]!, ok({ m: 1 }), T0 + 20);
      const results = [0, 1, 2, 3].map((m) => ({ m }));
      expect(await backend.get(z.id)).toEqual(fired(z, [results, 'tail'], T0 + 20));
      expect((await backend.get(ze.id))!.state).toBe('waiting');
      const chord = await claimOne(backend, T0 + 21, 'cb');
      expect(chord.input).toEqual([results, 'tail']);
      await finish(backend, chord, ok('all'), T0 + 22);
      expect(await backend.get(ze.id)).toEqual(dropped(ze, T0 + 22, chord));
    });

    it('fires exactly once when its members complete at the same moment', async () => {
      const { backend } = await suite.open();
      const jobs = await submitAll(backend, chordSpecs(10));
      const z = jobs[10]!;
      const running = await claimAll(backend, 'default', T0 + 1);
      const members = jobs.slice(0, 10).map((m) => running.get(m.id)!);
      const changes = recordChanges(backend);
      await Promise.all(
        [...members]
          .reverse()
          .map((m, k) => finish(backend, m, ok(`r${m.input as number}`), T0 + 2 + k)),
      );
      const ofChord = changes.take().filter(([j]) => j.id === z.id);
      expect(ofChord.map(([j, previous]) => [j.state, previous])).toEqual([['queued', 'waiting']]);
      const got = await backend.get(z.id);
      expect(got).toMatchObject({
        state: 'queued',
        input: [members.map((_, i) => `r${i}`), 'tail'],
      });
      expect(await backend.claim('cb', 10, T0 + 20)).toHaveLength(1);
    });

    it("a member's failure drops the chord and runs the chord's error callback with that error", async () => {
      const { backend } = await suite.open();
      const jobs = await submitAll(backend, chordSpecs(3));
      const [z, ze] = jobs.slice(3) as [Job, Job];
      const running = await claimAll(backend, 'default', T0 + 1);
      const [m0, m1, m2] = jobs.slice(0, 3).map((m) => running.get(m.id)!);
      await finish(backend, m0!, ok('a'), T0 + 2);
      const changes = recordChanges(backend);
      const failed = await finish(backend, m1!, broke('m1 broke'), T0 + 3);
      const no = dropped(z, T0 + 3, failed);
      const go = fired(ze, ['m1 broke', 9], T0 + 3);
      expect(await backend.get(z.id)).toEqual(no);
      expect((await backend.get(z.id))!.lastError!.message).toContain('m1 broke');
      expect(await backend.get(ze.id)).toEqual(go);
      expect(changes.take().map(([j, previous]) => [j.id, previous])).toEqual([
        [m1!.id, 'running'],
        [z.id, 'waiting'],
        [ze.id, 'waiting'],
      ]);
      // The last member finishing later changes nothing: nothing is left waiting.
      await finish(backend, m2!, ok('c'), T0 + 4);
      expect(changes.take().map(([j]) => j.id)).toEqual([m2!.id]);
      expect(await backend.get(z.id)).toEqual(no);
      expect((await claimOne(backend, T0 + 5, 'cb')).id).toBe(ze.id);
    });
  });

  describe('flows: cancel', () => {
    it('cancelling a job drops its callbacks, and runs none of its error callbacks', async () => {
      const { backend } = await suite.open();
      const [p, s, e, r, rs] = await submitAll(backend, [
        spec(),
        spec({ category: 'cb', parents: [0], trigger: onSuccess() }),
        spec({ category: 'cb', parents: [0], trigger: onError() }),
        spec({ category: 'run' }),
        spec({ category: 'cb', parents: [3], trigger: onError() }),
      ]);
      const started = await claimOne(backend, T0 + 1, 'run');
      const changes = recordChanges(backend);
      const cancelled = await backend.cancel(p!.id, T0 + 2);
      expect(await backend.get(s!.id)).toEqual(dropped(s!, T0 + 2, p!));
      expect(await backend.get(e!.id)).toEqual(dropped(e!, T0 + 2, p!));
      expect(changes.take()).toEqual([
        [cancelled, 'queued'],
        [await backend.get(s!.id), 'waiting'],
        [await backend.get(e!.id), 'waiting'],
      ]);
      const stopped = await backend.cancel(r!.id, T0 + 3);
      expect(stopped).toEqual(transition(started, { type: 'cancel' }, T0 + 3));
      expect(await backend.get(rs!.id)).toEqual(dropped(rs!, T0 + 3, r!));
      // The node that ran it reports its end later: refused, and it settles nothing again.
      expect(
        await backend.complete(
          { id: r!.id, attempt: 1, outcome: { kind: 'cancelled' }, retryDelayMs: 0 },
          T0 + 4,
        ),
      ).toBeNull();
      expect(await backend.claim('cb', 10, T0 + 5)).toEqual([]);
    });

    it('cancelling a waiting step drops the steps after it; the step before runs on', async () => {
      const { backend } = await suite.open();
      const [a, b, c, ce] = await submitAll(backend, chainSpecs(3));
      const cancelled = await backend.cancel(b!.id, T0 + 1);
      expect(cancelled).toEqual(transition(b!, { type: 'cancel' }, T0 + 1));
      expect(await backend.get(c!.id)).toEqual(dropped(c!, T0 + 1, b!));
      // A person's cancel starts no error callback downstream.
      expect(await backend.get(ce!.id)).toEqual(dropped(ce!, T0 + 1, c!));
      expect(await rejection(backend.cancel(c!.id, T0 + 2))).toBe('ERR_INVALID_TRANSITION');
      const running = await claimOne(backend, T0 + 3);
      expect(running.id).toBe(a!.id);
      await finish(backend, running, ok(1), T0 + 4);
      expect(await backend.get(b!.id)).toEqual(cancelled);
    });
  });

  describe('flows: lost attempts', () => {
    it('a parent lost at restart without retries left fails and runs its error callback', async () => {
      const first = await suite.open();
      const [p, s, e, q, qs] = await submitAll(first.backend, [
        spec({ maxRetries: 0 }),
        spec({ category: 'cb', parents: [0], trigger: onSuccess() }),
        spec({ input: [1], category: 'cb', parents: [0], trigger: onError() }),
        spec({ maxRetries: 1 }),
        spec({ category: 'cb', parents: [3], trigger: onError() }),
      ]);
      const running = await first.backend.claim('default', 2, T0 + 1);
      expect(running.map((j) => j.id)).toEqual([p!.id, q!.id]);
      const { backend, opened } = await suite.reopen(first.backend, { now: T0 + 5000 });
      expect(opened.requeued).toBe(2);
      const failed = transition(running[0]!, { type: 'lose' }, T0 + 5000);
      expect(failed.state).toBe('failed');
      expect(await backend.get(p!.id)).toEqual(failed);
      expect(await backend.get(e!.id)).toEqual(
        fired(e!, [failed.lastError!.message, 1], T0 + 5000),
      );
      expect(await backend.get(s!.id)).toEqual(dropped(s!, T0 + 5000, failed));
      // With a retry left, it is queued again and its callbacks wait on.
      expect((await backend.get(q!.id))!.state).toBe('queued');
      expect((await backend.get(qs!.id))!.state).toBe('waiting');
    });

    it('a parent lost to a reap without retries left fails and runs its error callback', async () => {
      const { backend } = await suite.open();
      const [p, e] = await submitAll(backend, [
        spec({ maxRetries: 0 }),
        spec({ input: [1], category: 'cb', parents: [0], trigger: onError() }),
      ]);
      const running = await claimOne(backend, T0 + 1);
      const changes = recordChanges(backend);
      await pause(20);
      expect(await backend.reap(0, T0 + 100)).toEqual([{ node: NODE.name, requeued: 1 }]);
      const failed = transition(running, { type: 'lose' }, T0 + 100);
      const go = fired(e!, [failed.lastError!.message, 1], T0 + 100);
      expect(await backend.get(p!.id)).toEqual(failed);
      expect(await backend.get(e!.id)).toEqual(go);
      expect(changes.take()).toEqual([
        [failed, 'running'],
        [go, 'waiting'],
      ]);
    });
  });

  describe('flows: reads, limits and retention', () => {
    it('lists the jobs of a flow, newest first, with the other filters and pages', async () => {
      const { backend } = await suite.open();
      const chain = await submitAll(backend, chainSpecs(3));
      const flowId = chain[0]!.flowId!;
      await submitAll(backend, [...chordSpecs(2), spec()], T0 + 1);
      const ids = async (query: Parameters<Backend['list']>[0]) =>
        (await backend.list(query)).jobs.map((j) => j.id);
      const newestFirst = chain.map((j) => j.id).reverse();
      expect(await ids({ flowId })).toEqual(newestFirst);
      expect((await backend.list({ flowId })).jobs).toEqual([...chain].reverse());
      expect(await ids({ flowId, state: 'waiting' })).toEqual(newestFirst.slice(0, 3));
      expect(await ids({ flowId, state: 'queued' })).toEqual([chain[0]!.id]);
      expect(await ids({ flowId, category: 'cb' })).toEqual([chain[3]!.id]);
      expect(await ids({ flowId: 'nobody' })).toEqual([]);
      const page = await backend.list({ flowId, limit: 3 });
      expect(page.jobs.map((j) => j.id)).toEqual(newestFirst.slice(0, 3));
      expect(await ids({ flowId, cursor: page.nextCursor! })).toEqual(newestFirst.slice(3));
    });

    it('counts waiting jobs, and keeps them across a restart', async () => {
      const first = await suite.open();
      const jobs = await submitAll(first.backend, chordSpecs(2));
      expect(await first.backend.counts()).toEqual({
        default: expect.objectContaining({ queued: 2, waiting: 0 }),
        cb: expect.objectContaining({ waiting: 2, queued: 0 }),
      });
      const { backend } = await suite.reopen(first.backend, { now: T0 + 10 });
      expect((await backend.counts()).cb!.waiting).toBe(2);
      expect(await backend.flowJobs(jobs[0]!.flowId!)).toEqual(jobs);
    });

    it('counts waiting jobs against the queue limits; firing one needs no room', async () => {
      const { backend } = await suite.open({
        limits: { maxQueued: { capped: 2 }, maxQueuedTotal: 5 },
      });
      const parent = spec({ category: 'capped', maxRetries: 0 });
      const callback = spec({ category: 'capped', parents: [0], trigger: onSuccess() });
      expect(await rejection(backend.submit([parent, callback, callback], T0))).toBe(
        'ERR_QUEUE_FULL',
      );
      await submitAll(backend, [parent, callback]);
      expect(await rejection(backend.submit([spec({ category: 'capped' })], T0))).toBe(
        'ERR_QUEUE_FULL',
      );
      const free = (patch: Partial<JobSpec> = {}) => spec({ category: 'free', ...patch });
      const cb = free({ parents: [0], trigger: onSuccess() });
      expect(await rejection(backend.submit([free(), cb, cb, cb], T0))).toBe('ERR_QUEUE_FULL');
      await submitAll(backend, [free(), cb, cb]);
      expect(await rejection(backend.submit([free()], T0))).toBe('ERR_QUEUE_FULL');
      // The running parent leaves room; its callback fires into the room it held.
      const running = await claimOne(backend, T0 + 1, 'capped');
      await finish(backend, running, ok(1), T0 + 2);
      expect((await backend.counts()).capped).toMatchObject({ queued: 1, waiting: 0 });
      await submitAll(backend, [spec({ category: 'capped' })], T0 + 3);
    });

    it('keeps a finished member while its chord waits, then lets it go', async () => {
      const { backend } = await suite.open({
        limits: {
          retention: { maxAgeMs: 1000, maxCount: 0, failed: { maxAgeMs: 1000, maxCount: 0 } },
        },
      });
      const jobs = await submitAll(backend, chordSpecs(2));
      const [m0, m1] = jobs.slice(0, 2).map((m) => m.id);
      const z = jobs[2]!;
      const running = await claimAll(backend, 'default', T0 + 1);
      await finish(backend, running.get(m0!)!, ok('a'), T0 + 2);
      expect(await backend.prune(T0 + 10_000)).toBe(0);
      expect(await backend.get(m0!)).not.toBeNull();
      await finish(backend, running.get(m1!)!, ok('b'), T0 + 20_000);
      expect(await backend.get(z.id)).toEqual(fired(z, [['a', 'b'], 'tail'], T0 + 20_000));
      expect(await backend.prune(T0 + 30_000)).toBe(2);
      expect(await backend.get(m0!)).toBeNull();
      expect(await backend.get(m1!)).toBeNull();
    });
  });
}
