/**
 * The observers (issue 13): each query, when it runs, and its latest result:
 * how many jobs matched and the first of them, which open in the job detail.
 * The list is read over HTTP; results arrive live (the socket event
 * `observer`), after the latest kept one of each is read at start.
 */
import type { ObserverResult, ObserverView } from '@cadre/client';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useDashboard } from '../hooks/use-dashboard.js';
import { describeError } from '../lib/errors.js';
import { formatClock, formatCount } from '../lib/format.js';
import { describeQuery, describeTiming, withResult } from '../lib/schedules.js';
import { ListCard } from './list-card.js';

export interface ObserversPanelProps {
  /** Changes with each live snapshot: the list follows it, at most every REFRESH_MS. */
  pulse: number;
  onSelect: (id: string) => void;
}

const REFRESH_MS = 5000;
/** Ids shown per result; the rest are counted. */
const SHOWN_IDS = 5;

export function ObserversPanel({ pulse, onSelect }: ObserversPanelProps) {
  const { client, live } = useDashboard();
  const [observers, setObservers] = useState<ObserverView[] | null>(null);
  const [latest, setLatest] = useState<ReadonlyMap<string, ObserverResult>>(new Map());
  const [error, setError] = useState<string | null>(null);
  const lastLoad = useRef(0);
  const fetched = useRef(new Set<string>());

  const load = useCallback(async () => {
    lastLoad.current = Date.now();
    try {
      const list = await client.observers();
      setObservers(list);
      setError(null);
      // The latest kept result of each observer not seen yet; later ones arrive live.
      for (const o of list) {
        if (fetched.current.has(o.name)) continue;
        fetched.current.add(o.name);
        const [newest] = await client.observerResults(o.name);
        if (newest) setLatest((held) => withResult(held, newest));
      }
    } catch (err) {
      setError(describeError(err));
    }
  }, [client]);

  useEffect(() => {
    void load();
  }, [load]);

  useEffect(() => {
    if (Date.now() - lastLoad.current >= REFRESH_MS) void load();
  }, [pulse, load]);

  useEffect(() => {
    if (!live) return;
    return live.onObserver((result) => setLatest((held) => withResult(held, result)));
  }, [live]);

  return (
    <ListCard
      name="observers"
      title="Observers"
      count={observers?.length ?? null}
      error={error}
      empty={
        <>
          No observers. Create one with <code>POST /api/observers</code> or the config’s{' '}
          <code>observers</code>.
        </>
      }
    >
      {observers && (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Query</th>
              <th scope="col" className="opt">
                When
              </th>
              <th scope="col" className="num">
                Matches
              </th>
              <th scope="col">At</th>
              <th scope="col" className="opt">
                First matches
              </th>
            </tr>
          </thead>
          <tbody>
            {observers.map((o) => {
              const result = latest.get(o.name);
              return (
                <tr key={o.name} data-testid={`observer-${o.name}`}>
                  <td className="mono">{o.name}</td>
                  <td className="ellipsis">{describeQuery(o.query)}</td>
                  <td className="mono opt">{describeTiming(o)}</td>
                  <td className="num" data-testid="observer-count">
                    {result ? formatCount(result.count) : '–'}
                  </td>
                  <td className="mono" title={result?.at}>
                    {formatClock(result?.at)}
                  </td>
                  <td className="mono opt">
                    {result?.ids.slice(0, SHOWN_IDS).map((id) => (
                      <button
                        key={id}
                        type="button"
                        className="link mono"
                        onClick={() => onSelect(id)}
                      >
                        {id}
                      </button>
                    ))}
                    {result && result.count > SHOWN_IDS && (
                      <span className="muted"> +{formatCount(result.count - SHOWN_IDS)}</span>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </ListCard>
  );
}
