import { describe, expect, it } from 'vitest';
import { flowView, settleDependents, type FlowGraph } from './flows.js';
import type { FlowRole, Job, JobTrigger, Json } from './job.js';
import { createJob, transition } from './transitions.js';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const T1 = T0 + 1000;

function job(
  id: string,
  over: {
    input?: Json;
    parents?: string[];
    trigger?: JobTrigger | null;
    flowRole?: FlowRole | null;
  } = {},
): Job {
  return createJob(
    {
      id,
      key: null,
      category: 'default',
      task: 'echo',
      input: over.input === undefined ? null : over.input,
      maxRetries: 0,
      timeoutMs: null,
      runAtMs: null,
      flowId: over.flowRole ? 'f' : null,
      flowRole: over.flowRole ?? null,
      parents: over.parents ?? [],
      trigger: over.trigger ?? null,
    },
    T0,
  );
}

/** A graph over `jobs`, children found through their parents. */
function graphOf(jobs: Job[]): FlowGraph & { set(job: Job): void } {
  const byId = new Map(jobs.map((j) => [j.id, j]));
  return {
    job: (id) => byId.get(id),
    children: (id) => [...byId.values()].filter((j) => j.parents.includes(id)).map((j) => j.id),
    set: (j) => byId.set(j.id, j),
  };
}

const run = (j: Job) => transition(j, { type: 'start', node: 'n' }, T0);
const succeed = (j: Job, value: Json) =>
  transition(run(j), { type: 'settle', outcome: { kind: 'ok', value }, retryDelayMs: 0 }, T1);
const fail = (j: Job, message: string) =>
  transition(
    run(j),
    { type: 'settle', outcome: { kind: 'error', message, retryable: false }, retryDelayMs: 0 },
    T1,
  );
const cancel = (j: Job) => transition(j, { type: 'cancel' }, T1);

const onSuccess = (pass: JobTrigger['pass'] = 'result'): JobTrigger => ({ on: 'success', pass });
const onError = (pass: JobTrigger['pass'] = 'error'): JobTrigger => ({ on: 'error', pass });

/** Settles `done` into the graph and answers the changes, by id. */
function settle(graph: ReturnType<typeof graphOf>, done: Job): Record<string, Job> {
  graph.set(done);
  const changes = settleDependents(done, graph, T1);
  for (const c of changes) graph.set(c);
  return Object.fromEntries(changes.map((c) => [c.id, c]));
}

describe('settleDependents: callbacks', () => {
  it('a success callback fires with [result, ...args] and its error callback is dropped', () => {
    const p = job('p');
    const ok = job('s', { parents: ['p'], trigger: onSuccess(), input: ['x', 2] });
    const ko = job('e', { parents: ['p'], trigger: onError() });
    const g = graphOf([p, ok, ko]);
    const changed = settle(g, succeed(p, { n: 1 }));
    expect(changed.s).toMatchObject({ state: 'queued', input: [{ n: 1 }, 'x', 2] });
    expect(changed.e).toMatchObject({
      state: 'cancelled',
      lastError: {
        kind: 'upstream',
        message: 'job p succeeded, so this error callback does not run',
      },
    });
  });

  it('an absent input counts as no args', () => {
    const p = job('p');
    const g = graphOf([p, job('s', { parents: ['p'], trigger: onSuccess() })]);
    expect(settle(g, succeed(p, 5)).s!.input).toEqual([5]);
  });

  it('an immutable parent passes nothing: the callback keeps its own input', () => {
    const p = job('p');
    const s = job('s', { parents: ['p'], trigger: onSuccess('nothing'), input: { own: true } });
    const e = job('e', { parents: ['p'], trigger: onError('nothing'), input: 'mine' });
    expect(settle(graphOf([p, s, e]), succeed(p, 5)).s!.input).toEqual({ own: true });
    expect(settle(graphOf([p, s, e]), fail(p, 'boom')).e!.input).toBe('mine');
  });

  it('an error callback fires with [message, ...args] when its parent fails for good', () => {
    const p = job('p');
    const s = job('s', { parents: ['p'], trigger: onSuccess() });
    const e = job('e', { parents: ['p'], trigger: onError(), input: [1] });
    const changed = settle(graphOf([p, s, e]), fail(p, 'boom'));
    expect(changed.e).toMatchObject({ state: 'queued', input: ['boom', 1] });
    expect(changed.s).toMatchObject({
      state: 'cancelled',
      lastError: { kind: 'upstream', message: 'job p failed: boom' },
    });
  });

  it("a person's cancel drops every callback and starts no error callback", () => {
    const p = job('p');
    const s = job('s', { parents: ['p'], trigger: onSuccess() });
    const e = job('e', { parents: ['p'], trigger: onError() });
    const changed = settle(graphOf([p, s, e]), cancel(p));
    expect(changed.s).toMatchObject({
      state: 'cancelled',
      lastError: { message: 'job p was cancelled' },
    });
    expect(changed.e!.state).toBe('cancelled');
  });

  it('does nothing for a job that is not final, or for callbacks no longer waiting', () => {
    const p = job('p');
    const s = job('s', { parents: ['p'], trigger: onSuccess() });
    const g = graphOf([p, s]);
    expect(settleDependents(run(p), g, T1)).toEqual([]);
    g.set(cancel(s));
    expect(settleDependents(succeed(p, 1), g, T1)).toEqual([]);
  });

  it('fires each callback once: settling the same parent again changes nothing', () => {
    const p = job('p');
    const g = graphOf([p, job('s', { parents: ['p'], trigger: onSuccess() })]);
    const done = succeed(p, 1);
    expect(Object.keys(settle(g, done))).toEqual(['s']);
    expect(settle(g, done)).toEqual({});
  });
});

describe('settleDependents: chains', () => {
  /** a → b → c, with c's error callback. */
  function chain() {
    const a = job('a', { flowRole: 'step' });
    const b = job('b', { parents: ['a'], trigger: onSuccess(), flowRole: 'step', input: ['b'] });
    const c = job('c', { parents: ['b'], trigger: onSuccess(), flowRole: 'step' });
    const cErr = job('ce', { parents: ['c'], trigger: onError(), flowRole: 'callback' });
    return { a, b, c, g: graphOf([a, b, c, cErr]) };
  }

  it('passes each result to the next step', () => {
    const { a, g } = chain();
    expect(settle(g, succeed(a, 1)).b!.input).toEqual([1, 'b']);
    expect(settle(g, succeed(g.job('b')!, 2)).c!.input).toEqual([2]);
  });

  it('a failed step drops every later step (upstream), and their error callbacks run with its error', () => {
    const { a, g } = chain();
    const changed = settle(g, fail(a, 'boom'));
    expect(changed.b).toMatchObject({
      state: 'cancelled',
      lastError: { kind: 'upstream', message: 'job a failed: boom' },
    });
    expect(changed.c).toMatchObject({
      state: 'cancelled',
      lastError: { kind: 'upstream', message: 'job b was cancelled: boom' },
    });
    expect(changed.ce).toMatchObject({ state: 'queued', input: ['boom'] });
  });
});

describe('settleDependents: chords', () => {
  function chord(size: number) {
    const members = Array.from({ length: size }, (_, i) => job(`m${i}`, { flowRole: 'member' }));
    const cb = job('z', {
      parents: members.map((m) => m.id),
      trigger: onSuccess('results'),
      flowRole: 'chord',
      input: ['tail'],
    });
    const cbErr = job('ze', {
      parents: ['z'],
      trigger: onError(),
      flowRole: 'callback',
      input: [9],
    });
    return { members, g: graphOf([...members, cb, cbErr]) };
  }

  it('waits for every member, then fires once with the results in the group order', () => {
    const { members, g } = chord(3);
    expect(settle(g, succeed(members[2]!, 'c'))).toEqual({});
    expect(settle(g, succeed(members[0]!, 'a'))).toEqual({});
    const changed = settle(g, succeed(members[1]!, 'b'));
    expect(changed.z).toMatchObject({ state: 'queued', input: [['a', 'b', 'c'], 'tail'] });
    expect(Object.keys(changed)).toEqual(['z']);
  });

  it('a failed member drops the callback and runs its error callback with the member error', () => {
    const { members, g } = chord(2);
    settle(g, succeed(members[0]!, 'a'));
    const changed = settle(g, fail(members[1]!, 'm1 broke'));
    expect(changed.z).toMatchObject({
      state: 'cancelled',
      lastError: { kind: 'upstream', message: 'job m1 failed: m1 broke' },
    });
    expect(changed.ze).toMatchObject({ state: 'queued', input: ['m1 broke', 9] });
    // The other member finishing later changes nothing: nothing is left waiting.
    expect(settle(g, succeed(members[1]!, 'late'))).toEqual({});
  });

  it('a member that no longer exists drops the callback instead of leaving it waiting', () => {
    const { members, g } = chord(2);
    const byId = graphOf([]);
    const without: FlowGraph = {
      job: (id) => (id === 'm0' ? byId.job(id) : g.job(id)),
      children: (id) => g.children(id),
    };
    const done = succeed(members[1]!, 'b');
    g.set(done);
    const [z] = settleDependents(done, without, T1);
    expect(z).toMatchObject({ id: 'z', state: 'cancelled', lastError: { kind: 'upstream' } });
  });
});

describe('flowView', () => {
  it('is null for no jobs', () => {
    expect(flowView('f', [])).toBeNull();
  });

  it('a chain: its steps in order, running until every job of it has finished', () => {
    const a = succeed(job('a', { flowRole: 'step' }), 1);
    const b = job('b', { parents: ['a'], trigger: onSuccess(), flowRole: 'step' });
    const e = job('ae', { parents: ['a'], trigger: onError(), flowRole: 'callback' });
    const flow = flowView('f', [e, b, a])!;
    expect(flow).toMatchObject({ id: 'f', kind: 'chain', state: 'running', callback: null });
    expect(flow.jobs.map((j) => j.id)).toEqual(['a', 'b']);
    expect(flow.callbacks.map((j) => j.id)).toEqual(['ae']);
  });

  it('a group with a chord: succeeded once all succeeded, though unfired error callbacks are cancelled', () => {
    const m0 = succeed(job('m0', { flowRole: 'member' }), 1);
    const m1 = succeed(job('m1', { flowRole: 'member' }), 2);
    const z = succeed(job('z', { flowRole: 'chord', parents: ['m0', 'm1'] }), 3);
    const ze = cancel(job('ze', { flowRole: 'callback', parents: ['z'], trigger: onError() }));
    const flow = flowView('f', [m0, m1, z, ze])!;
    expect(flow).toMatchObject({ kind: 'group', state: 'succeeded' });
    expect(flow.callback!.id).toBe('z');
  });

  it('failed when a member failed; cancelled when one was cancelled and none failed', () => {
    const m0 = succeed(job('m0', { flowRole: 'member' }), 1);
    expect(flowView('f', [m0, fail(job('m1', { flowRole: 'member' }), 'x')])!.state).toBe('failed');
    expect(flowView('f', [m0, cancel(job('m1', { flowRole: 'member' }))])!.state).toBe('cancelled');
  });
});
