/**
 * The chaos checker's part for flows (chains, and groups with a chord): a
 * pure function of what the client was told, what the server holds at the
 * end and what the tasks logged. What is checked, and why it is right:
 *
 * 1. Each flow exists whole or not at all, exactly as requested. A flow is
 *    created in one durable commit, so an acknowledged flow (201) holds
 *    exactly the jobs its answer named, and a flow whose answer a kill cut
 *    off is stored whole or not at all. Its jobs match the request one to
 *    one: roles, tasks, links to their parents, triggers (an immutable job's
 *    callbacks receive nothing), and the first jobs' inputs. Every job has as
 *    many callbacks as requested, counted over all stored jobs: a callback
 *    created twice, in this flow or any other, is found. A stored flow that
 *    no request explains is a phantom (its first jobs carry the request's
 *    tag, see job-mix.ts).
 * 2. Each callback fired or was dropped as its parents' outcome says, once
 *    the flow has finished. A success callback (a chain's next step, a
 *    chord) runs iff all its parents succeeded; an error callback runs iff
 *    its parent failed, or was dropped by a failure upstream (the failure is
 *    carried down). Nobody cancels anything in the chaos run, so a first job
 *    ends succeeded or failed, and a dropped job ends cancelled with kind
 *    `upstream`, never started (attempts 0, no execution in the log). So a
 *    failed chain step drops every later step, and a chord runs iff every
 *    member succeeded.
 * 3. A callback runs with what its parents passed, built once when it fired:
 *    [result, ...args], a chord's [[r1, …, rn], ...args] in the group's
 *    order, an error callback's [error, ...args] with the error that started
 *    the failure, or its own input when the parent is immutable. A dropped
 *    callback keeps the input it was submitted with.
 * 4. A callback never runs before its parents finished: its latest start is
 *    not before their finishedAt, and in the executions log its first start
 *    comes after every line its parents wrote (outcomes that fire a callback
 *    are published only once durable, so even a kill cannot reorder these).
 * 5. The flow as GET /api/flows/:id answers it has the same jobs, and the
 *    state its jobs make: not `running` once everything has finished.
 *
 * A callback firing twice would show as a second job (1), as a run that no
 * kill explains (check-invariants.ts, 4), or as an input built from another
 * outcome (3).
 */
import type { Job, JobRequest, Json } from '@cadre/client';
import {
  flowView,
  isFinished,
  type Flow,
  type FlowRole,
  type FlowState,
  type JobTrigger,
} from '@cadre/core';
import type { Execution } from './exec-log.js';
import { flowTagOf, type FlowRequest } from './job-mix.js';

/** A flow whose request was answered 201, with the ids of every job the answer named. */
export interface AcknowledgedFlow {
  id: string;
  tag: string;
  request: FlowRequest;
  jobIds: readonly string[];
}

/** A flow request whose answer a kill cut off: stored whole, or not at all. */
export interface InDoubtFlow {
  tag: string;
  request: FlowRequest;
}

export interface FlowObservation {
  flows: readonly AcknowledgedFlow[];
  flowsInDoubt: readonly InDoubtFlow[];
  /** The unfiltered listing at the end (lone jobs too). */
  jobs: readonly Job[];
  /** GET /api/flows/:id of each acknowledged flow at the end (those found). */
  servedFlows: readonly Flow[];
  executions: readonly Execution[];
}

export interface FlowFigures {
  acknowledged: number;
  /** Jobs of the acknowledged flows, as their answers named them. */
  jobs: number;
  inDoubt: number;
  inDoubtStored: number;
  chains: number;
  groups: number;
  /** Flows by their state at the end (acknowledged and stored in doubt). */
  states: Record<FlowState, number>;
  /** Callbacks (later chain steps, chords, error callbacks) that fired, and that were dropped. */
  fired: number;
  dropped: number;
  chordsRun: number;
  chordsDropped: number;
  errorCallbacksRun: number;
}

export type Violate = (kind: string, example: string) => void;

/** A job of a flow request, as the engine plans it (packages/engine/src/flow-plan.ts). */
export interface Planned {
  request: JobRequest;
  role: FlowRole;
  /** Indexes in the plan. */
  parents: number[];
  trigger: JobTrigger | null;
}

export function checkFlows(obs: FlowObservation, violate: Violate): FlowFigures {
  const figures: FlowFigures = {
    acknowledged: obs.flows.length,
    jobs: obs.flows.reduce((n, f) => n + f.jobIds.length, 0),
    inDoubt: obs.flowsInDoubt.length,
    inDoubtStored: 0,
    chains: 0,
    groups: 0,
    states: { running: 0, succeeded: 0, failed: 0, cancelled: 0 },
    fired: 0,
    dropped: 0,
    chordsRun: 0,
    chordsDropped: 0,
    errorCallbacksRun: 0,
  };
  const byId = new Map<string, Job>();
  const byFlow = new Map<string, Job[]>();
  const children = new Map<string, number>();
  for (const job of obs.jobs) {
    byId.set(job.id, job);
    for (const parent of job.parents) children.set(parent, (children.get(parent) ?? 0) + 1);
    if (job.flowId === null) {
      if (job.parents.length > 0) violate('callback outside a flow', job.id);
      continue;
    }
    const list = byFlow.get(job.flowId);
    if (list) list.push(job);
    else byFlow.set(job.flowId, [job]);
  }
  const log = logLines(obs.executions);
  const served = new Map(obs.servedFlows.map((f) => [f.id, f]));
  const outcomes = new Outcomes(byId);

  const judge = (flowId: string, request: FlowRequest, stored: Job[]): void => {
    if (request.kind === 'chain') figures.chains += 1;
    else figures.groups += 1;
    const planned = plan(request);
    const matched = match(planned, stored);
    if (typeof matched === 'string') {
      violate('flow shape', `flow ${flowId} (${request.kind}): ${matched}`);
      return;
    }
    for (const [i, job] of matched.entries()) {
      const want = planned.filter((p) => p.parents.includes(i)).length;
      const have = children.get(job.id) ?? 0;
      if (have !== want) {
        violate(
          'callbacks per parent',
          `${job.id} of flow ${flowId}: ${have} jobs wait on it, ${want} requested`,
        );
      }
      const p = planned[i]!;
      if (p.trigger === null) checkFirst(job, violate);
      else checkCallback(job, p, outcomes, log, figures, violate);
    }
    figures.states[flowView(flowId, stored)!.state] += 1;
  };

  // 1: acknowledged flows, exactly the jobs their answer named.
  const seenTags = new Map<string, string>();
  for (const ack of obs.flows) {
    seenTags.set(ack.tag, ack.id);
    const stored = byFlow.get(ack.id) ?? [];
    if (stored.length === 0) {
      violate('flow lost', `${ack.id} (${ack.request.kind}, ${ack.jobIds.length} jobs)`);
      continue;
    }
    const ids = new Set(stored.map((j) => j.id));
    for (const id of ack.jobIds) {
      if (!ids.has(id)) violate('flow job lost', `${id} of flow ${ack.id}`);
    }
    const named = new Set(ack.jobIds);
    for (const job of stored) {
      if (!named.has(job.id)) violate('flow job not in its answer', `${job.id} of flow ${ack.id}`);
    }
    judge(ack.id, ack.request, stored);
    const answer = served.get(ack.id);
    if (answer === undefined) {
      violate('flow view', `GET /api/flows/${ack.id} did not find it`);
    } else {
      const listed = [
        ...answer.jobs,
        ...(answer.callback ? [answer.callback] : []),
        ...answer.callbacks,
      ];
      const state = flowView(ack.id, stored)!.state;
      if (listed.length !== stored.length || !listed.every((j) => ids.has(j.id))) {
        violate(
          'flow view',
          `GET /api/flows/${ack.id} lists ${listed.length} jobs, ${stored.length} stored`,
        );
      } else if (answer.state !== state) {
        violate(
          'flow view',
          `GET /api/flows/${ack.id} says ${answer.state}, its jobs make it ${state}`,
        );
      }
    }
  }

  // Stored flows nobody was told about: each must be a request in doubt, stored once.
  const acknowledgedIds = new Set(obs.flows.map((f) => f.id));
  const doubtful = new Map(obs.flowsInDoubt.map((d) => [d.tag, d]));
  for (const [flowId, stored] of byFlow) {
    if (acknowledgedIds.has(flowId)) continue;
    const tags = new Set(stored.filter((j) => j.parents.length === 0).map(flowTagOf));
    const tag = tags.size === 1 ? [...tags][0]! : null;
    const request = tag === null ? undefined : doubtful.get(tag);
    if (tag === null || request === undefined) {
      violate('phantom flow', `flow ${flowId} (tags ${[...tags].join(', ')})`);
      continue;
    }
    const twice = seenTags.get(tag);
    if (twice !== undefined) {
      violate('flow stored twice', `request ${tag}: flows ${twice} and ${flowId}`);
      continue;
    }
    seenTags.set(tag, flowId);
    figures.inDoubtStored += 1;
    judge(flowId, request.request, stored);
  }
  return figures;
}

/** The jobs a flow request creates, in the planner's order: each job, then its onSuccess, then its onError. */
export function plan(flow: FlowRequest): Planned[] {
  const out: Planned[] = [];
  const add = (
    request: JobRequest,
    role: FlowRole,
    parents: number[],
    trigger: JobTrigger | null,
  ): number => {
    const index = out.length;
    out.push({ request, role, parents, trigger });
    const immutable = request.immutable === true;
    for (const cb of request.onSuccess ?? []) {
      add(cb, 'callback', [index], { on: 'success', pass: immutable ? 'nothing' : 'result' });
    }
    for (const cb of request.onError ?? []) {
      add(cb, 'callback', [index], { on: 'error', pass: immutable ? 'nothing' : 'error' });
    }
    return index;
  };
  if (flow.kind === 'chain') {
    let before: number | null = null;
    for (const [i, step] of flow.jobs.entries()) {
      const trigger: JobTrigger | null =
        before === null
          ? null
          : { on: 'success', pass: flow.jobs[i - 1]!.immutable === true ? 'nothing' : 'result' };
      before = add(step, 'step', before === null ? [] : [before], trigger);
    }
  } else {
    const members = flow.jobs.map((m) => add(m, 'member', [], null));
    if (flow.callback) add(flow.callback, 'chord', members, { on: 'success', pass: 'results' });
  }
  return out;
}

/**
 * The stored job of each planned one, or what does not match. A first job
 * is known by its task and input; a callback by its parents (the jobs
 * matched to its planned parents; for a chord, jobs of the flow that look
 * like its planned members, in their order), role, task and trigger.
 */
function match(planned: readonly Planned[], stored: readonly Job[]): Job[] | string {
  const left = [...stored].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const inFlow = new Map(stored.map((j) => [j.id, j]));
  const matched: Job[] = [];
  for (const p of planned) {
    const single = p.parents.length === 1 ? matched[p.parents[0]!]!.id : null;
    const i = left.findIndex(
      (j) =>
        j.flowRole === p.role &&
        j.task === p.request.task &&
        jsonEqual(j.trigger, p.trigger) &&
        (p.parents.length === 0
          ? j.parents.length === 0 && jsonEqual(j.input, p.request.input ?? null)
          : single !== null
            ? j.parents.length === 1 && j.parents[0] === single
            : j.parents.length === p.parents.length &&
              new Set(j.parents).size === j.parents.length &&
              j.parents.every((id, k) => looksLike(inFlow.get(id), planned[p.parents[k]!]!))),
    );
    if (i < 0) return `no job for its ${describe(p)}`;
    matched.push(left.splice(i, 1)[0]!);
  }
  if (left.length > 0) {
    return `${left.length} jobs not in its request: ${left.map((j) => `${j.id} (${j.flowRole} ${j.task})`).join(', ')}`;
  }
  return matched;
}

/** A first job as planned: a chord's parents are its group's members, in order. */
function looksLike(job: Job | undefined, p: Planned): boolean {
  return (
    job !== undefined &&
    job.flowRole === p.role &&
    job.task === p.request.task &&
    job.parents.length === 0 &&
    jsonEqual(job.input, p.request.input ?? null)
  );
}

function describe(p: Planned): string {
  const trigger = p.trigger === null ? '' : ` (on ${p.trigger.on}, pass ${p.trigger.pass})`;
  return `${p.role} ${p.request.task}${trigger}`;
}

/** A chain's first step or a group's member: nobody cancels, so it ran to an end. */
function checkFirst(job: Job, violate: Violate): void {
  if (job.state === 'cancelled')
    violate('first job of a flow cancelled', `${job.id} (${job.task})`);
}

function checkCallback(
  job: Job,
  p: Planned,
  outcomes: Outcomes,
  log: LogLines,
  figures: FlowFigures,
  violate: Violate,
): void {
  const parents = job.parents.map((id) => outcomes.job(id));
  if (!isFinished(job.state) || parents.some((q) => q === undefined || !isFinished(q.state))) {
    return; // 'not terminal' (check-invariants.ts) reports it
  }
  const finished = parents as Job[];
  const trigger = p.trigger!;
  const carried = trigger.on === 'error' ? outcomes.carried(finished[0]!) : null;
  const shouldRun =
    trigger.on === 'success' ? finished.every((q) => q.state === 'succeeded') : carried !== null;
  const dropped = job.state === 'cancelled' && job.lastError?.kind === 'upstream';
  const what = `${job.id} (${job.flowRole} ${job.task}, on ${trigger.on})`;
  const ownInput = p.request.input ?? null;

  if (dropped) {
    figures.dropped += 1;
    if (job.flowRole === 'chord') figures.chordsDropped += 1;
    if (shouldRun) {
      violate('callback dropped, should have run', `${what}: parents ${states(finished)}`);
    }
    if (job.attempts !== 0 || job.startedAt !== null || log.first(job.id) !== null) {
      violate('dropped callback ran', `${what}: ${job.attempts} attempts`);
    }
    if (!jsonEqual(job.input, ownInput))
      violate('callback input', `${what}: dropped, input changed`);
    return;
  }
  figures.fired += 1;
  if (job.flowRole === 'chord') figures.chordsRun += 1;
  if (trigger.on === 'error') figures.errorCallbacksRun += 1;
  if (!shouldRun) {
    violate('callback ran, should have been dropped', `${what}: parents ${states(finished)}`);
    return;
  }
  if (job.attempts < 1 || job.startedAt === null) {
    violate('callback fired, never started', `${what}: ${job.state}`);
    return;
  }
  const args = Array.isArray(ownInput) ? ownInput : ownInput === null ? [] : [ownInput];
  let inputOk: boolean;
  switch (trigger.pass) {
    case 'result':
      inputOk = jsonEqual(job.input, [finished[0]!.result, ...args]);
      break;
    case 'results':
      inputOk = jsonEqual(job.input, [finished.map((q) => q.result), ...args]);
      break;
    case 'error':
      inputOk =
        Array.isArray(job.input) &&
        carried!.has(job.input[0] as string) &&
        jsonEqual(job.input.slice(1), args);
      break;
    case 'nothing':
      inputOk = jsonEqual(job.input, ownInput);
      break;
  }
  if (!inputOk) {
    violate(
      'callback input',
      `${what}, pass ${trigger.pass}: ${JSON.stringify(job.input).slice(0, 200)}`,
    );
  }
  const started = Date.parse(job.startedAt);
  const firstRun = log.first(job.id);
  for (const q of finished) {
    if (q.finishedAt !== null && started < Date.parse(q.finishedAt)) {
      violate(
        'callback ran before its parent finished',
        `${what}: started ${job.startedAt}, ${q.id} finished ${q.finishedAt}`,
      );
    }
    const parentLast = log.last(q.id);
    if (firstRun !== null && parentLast !== null && firstRun < parentLast) {
      violate(
        'callback ran before its parent finished',
        `${what}: in the log before ${q.id}'s last execution`,
      );
    }
  }
}

function states(jobs: readonly Job[]): string {
  return jobs.map((j) => `${j.id} ${j.state}`).join(', ');
}

/** The outcomes a flow's jobs carry down to their callbacks. */
class Outcomes {
  readonly #byId: ReadonlyMap<string, Job>;
  readonly #carried = new Map<string, ReadonlySet<string> | null>();

  constructor(byId: ReadonlyMap<string, Job>) {
    this.#byId = byId;
  }

  job(id: string): Job | undefined {
    return this.#byId.get(id);
  }

  /**
   * The errors `job` may hand its error callbacks: its own if it failed; if
   * it was dropped waiting for a success, the errors its parents that did
   * not succeed carry (a chord dropped by any of its failed members); none
   * (null) if it succeeded, or was dropped as an error callback.
   */
  carried(job: Job): ReadonlySet<string> | null {
    if (this.#carried.has(job.id)) return this.#carried.get(job.id)!;
    let out: Set<string> | null = null;
    if (job.state === 'failed') {
      out = new Set([job.lastError?.message ?? 'the job failed']);
    } else if (job.state === 'cancelled' && job.trigger?.on === 'success') {
      for (const id of job.parents) {
        const parent = this.#byId.get(id);
        if (parent === undefined || parent.state === 'succeeded') continue;
        for (const e of this.carried(parent) ?? []) (out ??= new Set()).add(e);
      }
    }
    this.#carried.set(job.id, out);
    return out;
  }
}

/** Where each job's executions sit in the log: its first start, and its last line of any kind. */
interface LogLines {
  first(jobId: string): number | null;
  last(jobId: string): number | null;
}

function logLines(executions: readonly Execution[]): LogLines {
  const first = new Map<string, number>();
  const last = new Map<string, number>();
  for (const e of executions) {
    if (!e.ok && (first.get(e.jobId) ?? Infinity) > e.seq) first.set(e.jobId, e.seq);
    if ((last.get(e.jobId) ?? -1) < e.seq) last.set(e.jobId, e.seq);
  }
  return { first: (id) => first.get(id) ?? null, last: (id) => last.get(id) ?? null };
}

/** Equal JSON values, whatever the order of their keys (PostgreSQL's jsonb sorts them). */
export function jsonEqual(
  a: Json | JobTrigger | null | undefined,
  b: Json | JobTrigger | null | undefined,
): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) &&
      Array.isArray(b) &&
      a.length === b.length &&
      a.every((v, i) => jsonEqual(v, b[i]))
    );
  }
  const ra = a as Record<string, Json>;
  const rb = b as Record<string, Json>;
  const keys = Object.keys(ra);
  return (
    keys.length === Object.keys(rb).length &&
    keys.every((k) => Object.hasOwn(rb, k) && jsonEqual(ra[k], rb[k]))
  );
}
