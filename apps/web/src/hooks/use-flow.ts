/**
 * One flow, live while it is open: polled about once a second while it runs
 * (less often when a poll is slow or the flow big, and not while the tab is
 * hidden), then left alone once it has finished. One request at a time: the
 * next poll is set only when the last one has answered.
 */
import type { Flow } from '@cadre/client';
import { useCallback, useEffect, useState } from 'react';
import { useDashboard } from './use-dashboard.js';
import { describeError, isNotFound, isUnauthorized } from '../lib/errors.js';
import { FLOW_POLL_MS, allFlowJobs, nextPollMs } from '../lib/flows.js';

/** After a failed poll (the server restarting, say), try again this much later. */
const RETRY_MS = 3000;

export interface FlowState {
  flow: Flow | null;
  error: string | null;
  /** Shows `next` (a change's answer) at once, and polls again from there. */
  show(next: Flow): void;
}

export function useFlow(id: string): FlowState {
  const { client, fail } = useDashboard();
  const [flow, setFlow] = useState<Flow | null>(null);
  const [error, setError] = useState<string | null>(null);
  /** Bumped by `show`: a poll in flight may hold an older state, so it is dropped and asked again. */
  const [restart, setRestart] = useState(0);

  useEffect(() => {
    let current = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const later = (ms: number) => {
      timer = setTimeout(() => void poll(), ms);
    };
    async function poll() {
      if (typeof document !== 'undefined' && document.hidden) return later(FLOW_POLL_MS);
      const started = Date.now();
      try {
        const next = await client.getFlow(id);
        if (!current) return;
        setFlow(next);
        setError(null);
        if (next.state === 'running') {
          later(nextPollMs(Date.now() - started, allFlowJobs(next).length));
        }
      } catch (err) {
        if (!current) return;
        setError(describeError(err));
        if (isUnauthorized(err)) fail('Loading the flow', err);
        else if (!isNotFound(err)) later(RETRY_MS);
      }
    }
    void poll();
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [client, fail, id, restart]);

  const show = useCallback((next: Flow) => {
    setFlow(next);
    setRestart((n) => n + 1);
  }, []);

  return { flow, error, show };
}
