/**
 * The schedules (issue 13): each with its timing, its next and last run, the
 * job its last tick made, and a pause toggle. Read over HTTP, again at most
 * every few seconds while snapshots arrive (a tick changes nothing the
 * snapshot carries).
 */
import type { ScheduleView } from '@cadre/client';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useDashboard } from '../hooks/use-dashboard.js';
import { useNow } from '../hooks/use-now.js';
import { describeError } from '../lib/errors.js';
import { formatClock } from '../lib/format.js';
import { describeTiming, relativeTime } from '../lib/schedules.js';
import { ListCard } from './list-card.js';
import { WriteOnly } from '../hooks/use-access.js';

export interface SchedulesPanelProps {
  /** Changes with each live snapshot: the list follows it, at most every REFRESH_MS. */
  pulse: number;
  /** Opens a job's detail (the last job of a schedule). */
  onSelect: (id: string) => void;
}

const REFRESH_MS = 1000;

/** A next run already past is due: it fires within moments, and the next read shows the one after. */
function nextRun(iso: string | null, now: number): string {
  return iso !== null && Date.parse(iso) <= now ? 'due' : relativeTime(iso, now);
}

export function SchedulesPanel({ pulse, onSelect }: SchedulesPanelProps) {
  const { client, fail, notify } = useDashboard();
  const now = useNow(1000);
  const [schedules, setSchedules] = useState<ScheduleView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const lastLoad = useRef(0);

  const load = useCallback(async () => {
    lastLoad.current = Date.now();
    try {
      setSchedules(await client.schedules());
      setError(null);
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

  async function toggle(schedule: ScheduleView) {
    const paused = !schedule.paused;
    setBusy(schedule.name);
    try {
      const changed = await client.pauseSchedule(schedule.name, paused);
      setSchedules((list) => list?.map((s) => (s.name === changed.name ? changed : s)) ?? null);
      notify('success', `Schedule ${schedule.name} ${paused ? 'paused' : 'resumed'}`);
    } catch (err) {
      fail(`${paused ? 'Pausing' : 'Resuming'} schedule ${schedule.name}`, err);
    } finally {
      setBusy(null);
    }
  }

  return (
    <ListCard
      name="schedules"
      title="Schedules"
      count={schedules?.length ?? null}
      error={error}
      empty={
        <>
          No schedules. Create one with <code>POST /api/schedules</code> or the config’s{' '}
          <code>schedules</code>.
        </>
      }
    >
      {schedules && (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">When</th>
              <th scope="col" className="opt">
                Task
              </th>
              <th scope="col">Next run</th>
              <th scope="col">Last run</th>
              <th scope="col" className="opt">
                Last job
              </th>
              <th scope="col">
                <span className="visually-hidden">Pause</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {schedules.map((s) => (
              <tr key={s.name} data-testid={`schedule-${s.name}`}>
                <td className="mono">{s.name}</td>
                <td className="mono" title={`makes a ${s.job.task} job, catchUp ${s.catchUp}`}>
                  {describeTiming(s)}
                </td>
                <td className="mono opt">{s.job.task}</td>
                <td title={s.nextRunAt ?? undefined}>
                  {s.paused ? <span className="muted">paused</span> : nextRun(s.nextRunAt, now)}
                </td>
                <td className="mono" title={s.lastRunAt ?? undefined}>
                  {formatClock(s.lastRunAt)}
                </td>
                <td className="mono opt">
                  {s.lastJobId ? (
                    <button
                      type="button"
                      className="link mono"
                      onClick={() => onSelect(s.lastJobId!)}
                    >
                      {s.lastJobId}
                    </button>
                  ) : (
                    '–'
                  )}
                </td>
                <td>
                  <WriteOnly>
                    <button
                      type="button"
                      aria-pressed={s.paused}
                      aria-label={`${s.paused ? 'Resume' : 'Pause'} schedule ${s.name}`}
                      disabled={busy === s.name}
                      onClick={() => void toggle(s)}
                    >
                      {s.paused ? 'Resume' : 'Pause'}
                    </button>
                  </WriteOnly>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </ListCard>
  );
}
