/**
 * A typed client for cadre's HTTP API (shared/API.md). Works in Node and in
 * the browser (fetch).
 */
import type {
  BulkAction,
  BulkFilter,
  BulkOutcome,
  CategoryPatch,
  CategoryView,
  Flow,
  HistoryRange,
  HistoryView,
  Job,
  JobState,
  NodeView,
  ObserverRequest,
  ObserverResult,
  ObserverView,
  RetryChanges,
  ScheduleRequest,
  ScheduleView,
  Stats,
  TaskView,
} from '@cadre/core';
import { CadreClientError } from './errors.js';
import type {
  AnyTasks,
  TaskMap,
  TypedChainRequest,
  TypedGroupRequest,
  TypedJobRequest,
} from './typed-tasks.js';

export interface ClientOptions {
  /** Base URL of the server; '' = same origin (the dashboard). @defaultValue 'http://127.0.0.1:3000' */
  url?: string;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string | null;
  /** @defaultValue globalThis.fetch */
  fetch?: typeof fetch;
}

export interface ListOptions {
  category?: string;
  state?: JobState;
  limit?: number;
  cursor?: string;
  /** The job with this idempotency key (an extension of API.md). */
  key?: string;
  /** The jobs of this flow (chain or group), callbacks included. */
  flowId?: string;
  /** The jobs of this task. */
  task?: string;
  /** Text in the id, key, task, or input, result or error (as JSON text), in any case. */
  q?: string;
}

/**
 * What the caller's token may do: 'write' (CADRE_TOKEN, or a server without
 * tokens) or 'read' (CADRE_READ_TOKEN: every change answers 403 ERR_READ_ONLY).
 */
export type Access = 'read' | 'write';

export interface AccessView {
  access: Access;
}

export interface JobPage {
  jobs: Job[];
  nextCursor: string | null;
}

/**
 * `Tasks` (e.g. `typeof tasks`, a map of task name → `defineTask(...)`) types
 * each request's `input` by its task; the default takes any task and any JSON.
 */
export interface CadreClient<Tasks extends TaskMap = AnyTasks> {
  readonly url: string;
  submit(request: TypedJobRequest<Tasks>): Promise<Job>;
  submit(requests: readonly TypedJobRequest<Tasks>[]): Promise<Job[]>;
  /**
   * Creates a chain of 2 to 100 jobs, each the success callback of the one
   * before (it runs with `[previousResult, ...its input]` unless that one is
   * `immutable`), with every callback, in one durable commit.
   */
  submitChain(request: TypedChainRequest<Tasks>): Promise<Flow>;
  /**
   * Creates a group of 1 to 1,000 jobs run in parallel, and its chord
   * `callback`, if any, which runs with `[[r1, …, rn], ...its input]` once
   * every member has succeeded.
   */
  submitGroup(request: TypedGroupRequest<Tasks>): Promise<Flow>;
  /** The flow as it is now; `ERR_FLOW_NOT_FOUND` (404) for an unknown id. */
  getFlow(id: string): Promise<Flow>;
  /** Cancels every job of the flow that has not finished; answers the flow after. */
  cancelFlow(id: string): Promise<Flow>;
  get(id: string, options?: { waitMs?: number }): Promise<Job>;
  list(options?: ListOptions): Promise<JobPage>;
  cancel(id: string): Promise<Job>;
  /** With `changes.input`, the job runs again with that input (checked against its task's schema). */
  retry(id: string, changes?: RetryChanges): Promise<Job>;
  /**
   * Retries, cancels or deletes every job that matches `filter` (`{}`: every
   * job) and allows the action, in one request; answers once it is durable.
   */
  bulk(filter: BulkFilter, action: BulkAction): Promise<BulkOutcome>;
  categories(): Promise<CategoryView[]>;
  patchCategory(name: string, patch: CategoryPatch): Promise<CategoryView>;
  tasks(): Promise<TaskView[]>;
  stats(): Promise<Stats>;
  /**
   * The metrics history of the range (`5m`, `1h`, `24h`) ending with the
   * current minute: per minute and category, summed over the cluster.
   * @defaultValue range '1h'
   */
  history(range?: HistoryRange): Promise<HistoryView>;
  /** What this client's token may do. */
  access(): Promise<AccessView>;
  /** The cluster's nodes, live and dead; in local mode, the one node. */
  nodes(): Promise<NodeView[]>;
  /**
   * Forgets a dead node. A live node is refused (`ERR_NODE_LIVE`, 409), an
   * unknown name too (`ERR_NODE_NOT_FOUND`, 404).
   */
  removeNode(name: string): Promise<void>;
  /** Creates a schedule, or updates the one of that name. */
  saveSchedule(request: ScheduleRequest): Promise<ScheduleView>;
  schedules(): Promise<ScheduleView[]>;
  schedule(name: string): Promise<ScheduleView>;
  pauseSchedule(name: string, paused: boolean): Promise<ScheduleView>;
  /** The jobs it made stay. */
  deleteSchedule(name: string): Promise<void>;
  /** Creates an observer, or updates the one of that name. */
  saveObserver(request: ObserverRequest): Promise<ObserverView>;
  observers(): Promise<ObserverView[]>;
  deleteObserver(name: string): Promise<void>;
  /** Its latest results (at most 100), newest first. */
  observerResults(name: string): Promise<ObserverResult[]>;
  health(): Promise<{ ok: boolean }>;
}

export function createClient<Tasks extends TaskMap = AnyTasks>(
  options: ClientOptions = {},
): CadreClient<Tasks> {
  const url = (options.url ?? 'http://127.0.0.1:3000').replace(/\/+$/, '');
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const token = options.token ?? null;

  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token !== null) headers.authorization = `Bearer ${token}`;
    let res: Response;
    try {
      res = await doFetch(`${url}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      const cause =
        err instanceof Error
          ? ((err.cause as Error | undefined)?.message ?? err.message)
          : String(err);
      throw new CadreClientError(
        'ERR_UNREACHABLE',
        `cannot reach cadre at ${url || 'this origin'}: ${cause}`,
        0,
      );
    }
    const text = await res.text();
    let payload: unknown = null;
    if (text.length > 0) {
      try {
        payload = JSON.parse(text);
      } catch {
        payload = null;
      }
    }
    if (!res.ok) {
      const error = (
        payload as { error?: { code?: string; message?: string; details?: unknown } } | null
      )?.error;
      const retryAfter = Number(res.headers.get('retry-after'));
      throw new CadreClientError(
        error?.code ?? `HTTP_${res.status}`,
        error?.message ?? `${method} ${path} answered ${res.status} ${res.statusText}`,
        res.status,
        error?.details,
        Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
      );
    }
    return payload as T;
  }

  const enc = encodeURIComponent;

  function submit(request: TypedJobRequest<Tasks>): Promise<Job>;
  function submit(requests: readonly TypedJobRequest<Tasks>[]): Promise<Job[]>;
  function submit(
    requests: TypedJobRequest<Tasks> | readonly TypedJobRequest<Tasks>[],
  ): Promise<Job | Job[]> {
    return call('POST', '/api/jobs', requests);
  }

  return {
    url,
    submit,
    submitChain: (request) => call('POST', '/api/chains', request),
    submitGroup: (request) => call('POST', '/api/groups', request),
    getFlow: (id) => call('GET', `/api/flows/${enc(id)}`),
    cancelFlow: (id) => call('POST', `/api/flows/${enc(id)}/cancel`),
    get: (id, opts) =>
      call(
        'GET',
        `/api/jobs/${enc(id)}${opts?.waitMs === undefined ? '' : `?waitMs=${opts.waitMs}`}`,
      ),
    list: (opts = {}) => {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(opts)) if (v !== undefined) q.set(k, String(v));
      const qs = q.toString();
      return call('GET', `/api/jobs${qs ? `?${qs}` : ''}`);
    },
    cancel: (id) => call('POST', `/api/jobs/${enc(id)}/cancel`),
    retry: (id, changes) => call('POST', `/api/jobs/${enc(id)}/retry`, changes),
    bulk: (filter, action) => call('POST', '/api/jobs/bulk', { filter, action }),
    categories: () => call('GET', '/api/categories'),
    patchCategory: (name, patch) => call('PATCH', `/api/categories/${enc(name)}`, patch),
    tasks: () => call('GET', '/api/tasks'),
    stats: () => call('GET', '/api/stats'),
    history: (range = '1h') => call('GET', `/api/history?range=${enc(range)}`),
    access: () => call('GET', '/api/access'),
    nodes: () => call('GET', '/api/nodes'),
    removeNode: async (name) => {
      await call('DELETE', `/api/nodes/${enc(name)}`);
    },
    saveSchedule: (request) => call('POST', '/api/schedules', request),
    schedules: () => call('GET', '/api/schedules'),
    schedule: (name) => call('GET', `/api/schedules/${enc(name)}`),
    pauseSchedule: (name, paused) => call('PATCH', `/api/schedules/${enc(name)}`, { paused }),
    deleteSchedule: async (name) => {
      await call('DELETE', `/api/schedules/${enc(name)}`);
    },
    saveObserver: (request) => call('POST', '/api/observers', request),
    observers: () => call('GET', '/api/observers'),
    deleteObserver: async (name) => {
      await call('DELETE', `/api/observers/${enc(name)}`);
    },
    observerResults: (name) => call('GET', `/api/observers/${enc(name)}/results`),
    health: () => call('GET', '/healthz'),
  };
}
