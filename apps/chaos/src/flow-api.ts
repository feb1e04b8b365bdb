/**
 * The flow routes of the HTTP API (shared/API.md, issue 12), for the chaos
 * client: POST /api/chains, POST /api/groups, GET /api/flows/:id. Errors are
 * thrown as the typed client throws them (CadreClientError with the status;
 * ERR_UNREACHABLE, status 0, when the server cannot be reached), so that the
 * load driver books a flow's request as it books a batch of jobs.
 */
import { CadreClientError } from '@cadre/client';
import type { Flow } from '@cadre/core';
import type { FlowRequest } from './job-mix.js';

export interface FlowApi {
  /** Creates the chain or group in one durable commit; answers the flow (201). */
  submit(request: FlowRequest): Promise<Flow>;
  get(id: string): Promise<Flow>;
}

/** A request that hangs this long is in doubt, like one whose connection a kill cut. */
const REQUEST_TIMEOUT_MS = 10_000;

export function flowApi(url: string): FlowApi {
  const base = url.replace(/\/+$/, '');
  async function call(method: string, path: string, body?: unknown): Promise<Flow> {
    let text: string;
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, {
        method,
        headers: {
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      // A kill can cut the answer after its status line: then nothing was told.
      text = await res.text();
    } catch (err) {
      const cause = (err as Error).cause as Error | undefined;
      throw new CadreClientError(
        'ERR_UNREACHABLE',
        `cannot reach cadre at ${base}: ${cause?.message ?? (err as Error).message}`,
        0,
      );
    }
    let payload: unknown = null;
    try {
      payload = text === '' ? null : JSON.parse(text);
    } catch {
      payload = null;
    }
    if (!res.ok) {
      const error = (payload as { error?: { code?: string; message?: string } } | null)?.error;
      throw new CadreClientError(
        error?.code ?? `HTTP_${res.status}`,
        error?.message ?? `${method} ${path} answered ${res.status}`,
        res.status,
      );
    }
    if (typeof payload !== 'object' || payload === null) {
      throw new CadreClientError(
        'ERR_BAD_ANSWER',
        `${method} ${path} answered no flow`,
        res.status,
      );
    }
    return payload as Flow;
  }
  return {
    submit: (request) =>
      request.kind === 'chain'
        ? call('POST', '/api/chains', { jobs: request.jobs })
        : call('POST', '/api/groups', {
            jobs: request.jobs,
            ...(request.callback === undefined ? {} : { callback: request.callback }),
          }),
    get: (id) => call('GET', `/api/flows/${encodeURIComponent(id)}`),
  };
}
