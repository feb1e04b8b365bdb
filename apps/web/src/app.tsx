/**
 * The dashboard: live overview (header, charts, categories) from socket.io
 * snapshots only, plus the paged jobs table, a job's live detail, a flow's
 * live graph and the load generator over HTTP. Everything goes through
 * @cadre/client.
 */
import { createClient, type TaskView } from '@cadre/client';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { AllocationChart } from './components/allocation-chart.js';
import { CategoryCard } from './components/category-card.js';
import { FlowView } from './components/flow-view.js';
import { Header } from './components/header.js';
import { HistoryCharts } from './components/history-charts.js';
import { JobDetail } from './components/job-detail.js';
import { JobsPanel } from './components/jobs-panel.js';
import { LoadPanel } from './components/load-panel.js';
import { NodesPanel } from './components/nodes-panel.js';
import { ObserversPanel } from './components/observers-panel.js';
import { SchedulesPanel } from './components/schedules-panel.js';
import { Notices, type Notice } from './components/notices.js';
import { TimeChart } from './components/time-chart.js';
import { TokenGate } from './components/token-gate.js';
import { AccessContext, accessState, useServerAccess, WriteOnly } from './hooks/use-access.js';
import {
  colorOf,
  DashboardContext,
  type Dashboard,
  type NoticeKind,
} from './hooks/use-dashboard.js';
import { useLive } from './hooks/use-live.js';
import { useNow } from './hooks/use-now.js';
import { useSeriesNames } from './hooks/use-series-names.js';
import { assignColors } from './lib/colors.js';
import { describeError, isReadOnly, isUnauthorized } from './lib/errors.js';
import { formatCount } from './lib/format.js';
import { loadToken, saveToken } from './lib/token-store.js';

const storage = typeof sessionStorage === 'undefined' ? undefined : sessionStorage;
const NOTICE_MS = 6000;

export function App() {
  const [token, setToken] = useState(() => loadToken(storage));
  const [needToken, setNeedToken] = useState(false);
  const [rejected, setRejected] = useState(false);
  const { live, connection, reason, snapshot, snapshotAt, history, version } = useLive(
    token,
    !needToken,
  );
  const client = useMemo(() => createClient({ url: '', token }), [token]);
  const [tasks, setTasks] = useState<TaskView[]>([]);
  const [notices, setNotices] = useState<Notice[]>([]);
  const [selected, setSelected] = useState<string | null>(null);
  /** The flow in view, and when it was last asked for (to bring it into view again). */
  const [flow, setFlow] = useState<{ id: string; at: number } | null>(null);
  const [flowFilter, setFlowFilter] = useState('');
  const [jobsRefresh, setJobsRefresh] = useState(0);
  const noticeId = useRef(0);

  const askForToken = useCallback(() => {
    setRejected(token !== null);
    setNeedToken(true);
  }, [token]);

  useEffect(() => {
    if (connection === 'unauthorized') askForToken();
  }, [connection, askForToken]);

  const notify = useCallback((kind: NoticeKind, message: string) => {
    const id = ++noticeId.current;
    setNotices((list) => [...list.slice(-4), { id, kind, message }]);
    setTimeout(
      () => setNotices((list) => list.filter((n) => n.id !== id)),
      kind === 'error' ? NOTICE_MS * 2 : NOTICE_MS,
    );
  }, []);

  /** Set when the server refused a change as read-only: the controls go, whatever it said before. */
  const [refusedChange, setRefusedChange] = useState(false);
  const fail = useCallback(
    (context: string, err: unknown) => {
      if (isUnauthorized(err)) askForToken();
      else {
        if (isReadOnly(err)) setRefusedChange(true);
        notify('error', `${context}: ${describeError(err)}`);
      }
    },
    [askForToken, notify],
  );
  const accessFailed = useCallback((err: unknown) => fail('Checking access', err), [fail]);
  const serverAccess = useServerAccess(
    client,
    !needToken && connection === 'connected',
    accessFailed,
  );
  const access = useMemo(
    () => accessState(refusedChange ? 'read' : serverAccess),
    [refusedChange, serverAccess],
  );

  useEffect(() => {
    if (needToken) return;
    let current = true;
    client.tasks().then(
      (list) => current && setTasks(list),
      (err: unknown) => current && fail('Loading tasks', err),
    );
    return () => {
      current = false;
    };
  }, [client, needToken, fail]);

  const categories = snapshot?.categories;
  const names = useSeriesNames(
    categories?.map((c) => c.name),
    history.categories,
  );
  const colors = useMemo(() => assignColors(names), [names]);

  const dashboard = useMemo<Dashboard>(
    () => ({ client, live, colors, notify, fail }),
    [client, live, colors, notify, fail],
  );

  if (needToken) {
    return (
      <TokenGate
        rejected={rejected}
        onToken={(t) => {
          saveToken(storage, t);
          setToken(t);
          setRefusedChange(false);
          setRejected(false);
          setNeedToken(false);
        }}
      />
    );
  }

  const stats = snapshot?.stats ?? null;
  const workers = stats?.workers ?? 0;
  const forgetToken = token
    ? () => {
        saveToken(storage, null);
        setToken(null);
      }
    : undefined;

  return (
    <AccessContext.Provider value={access}>
      <DashboardContext.Provider value={dashboard}>
        <HeaderWithClock
          connection={connection}
          reason={reason}
          stats={stats}
          snapshotAt={snapshotAt}
          onForgetToken={forgetToken}
        />
        {access.access === 'read' && (
          <p className="read-only-banner" role="status" data-testid="read-only-banner">
            <strong>Read-only.</strong> This token may look at everything but change nothing: the
            controls that would change jobs, categories, schedules or nodes are hidden.
          </p>
        )}
        <main className="layout">
          <div className="overview">
            <div className="card chart-main">
              <AllocationChart
                history={history}
                version={version}
                categories={names}
                categoryColors={colors}
                nodes={snapshot?.nodes.map((n) => n.name)}
                workers={workers}
              />
            </div>
            <WriteOnly>
              <LoadPanel categories={names} tasks={tasks} />
            </WriteOnly>
            <HistoryCharts
              live={history}
              version={version}
              names={names}
              colors={colors}
              categories={categories}
            />
            <div className="card chart-third">
              <TimeChart
                id="queued"
                title="Queue depth"
                description="Jobs waiting for a worker, per category."
                history={history}
                version={version}
                metric="queued"
                names={names}
                colors={colors}
                format={formatCount}
                height={170}
              />
            </div>
          </div>

          <NodesPanel nodes={snapshot?.nodes} categories={names} />

          <section className="categories" aria-label="Categories">
            {!categories && <p className="muted card">Waiting for the first snapshot…</p>}
            {categories?.map((c) => (
              <CategoryCard
                key={c.name}
                category={c}
                workers={workers}
                color={colorOf(colors, c.name)}
              />
            ))}
          </section>

          <div className="recurring">
            <SchedulesPanel pulse={snapshotAt} onSelect={setSelected} />
            <ObserversPanel pulse={snapshotAt} onSelect={setSelected} />
          </div>

          {flow && (
            <FlowView
              key={flow.id}
              id={flow.id}
              asked={flow.at}
              selected={selected}
              onSelectJob={setSelected}
              onShowJobs={setFlowFilter}
              onClose={() => setFlow(null)}
              onChanged={() => setJobsRefresh((n) => n + 1)}
            />
          )}

          <div className={`work ${selected ? 'has-detail' : ''}`}>
            <JobsPanel
              categories={names}
              counts={categories}
              selected={selected}
              onSelect={setSelected}
              refreshKey={jobsRefresh}
              pulse={snapshotAt}
              flowId={flowFilter}
              onFlowId={setFlowFilter}
            />
            {selected && (
              <JobDetail
                key={selected}
                id={selected}
                tasks={tasks}
                onClose={() => setSelected(null)}
                onChanged={() => setJobsRefresh((n) => n + 1)}
                onSelect={setSelected}
                onOpenFlow={(id) => setFlow({ id, at: Date.now() })}
              />
            )}
          </div>
        </main>
        <Notices
          notices={notices}
          onDismiss={(id) => setNotices((l) => l.filter((n) => n.id !== id))}
        />
      </DashboardContext.Provider>
    </AccessContext.Provider>
  );
}

/** The header's uptime runs on between snapshots, without re-rendering the rest of the page. */
function HeaderWithClock(props: {
  connection: Parameters<typeof Header>[0]['connection'];
  reason: string | undefined;
  stats: Parameters<typeof Header>[0]['stats'];
  snapshotAt: number;
  onForgetToken: (() => void) | undefined;
}) {
  const now = useNow(1000);
  const uptimeMs = props.stats ? props.stats.uptimeMs + Math.max(0, now - props.snapshotAt) : null;
  return (
    <Header
      connection={props.connection}
      reason={props.reason}
      stats={props.stats}
      uptimeMs={uptimeMs}
      onForgetToken={props.onForgetToken}
    />
  );
}
