import type { ConnectionState, Stats } from '@cadre/client';
import { formatCount, formatDuration } from '../lib/format.js';
import { ThemeToggle } from './theme-toggle.js';

export interface HeaderProps {
  connection: ConnectionState | 'token';
  reason?: string;
  stats: Stats | null;
  /** uptime as of now, run locally between snapshots. */
  uptimeMs: number | null;
  onForgetToken?: () => void;
}

const CONNECTION_TEXT: Record<HeaderProps['connection'], string> = {
  connecting: 'connecting',
  connected: 'live',
  reconnecting: 'reconnecting',
  unauthorized: 'token needed',
  token: 'token needed',
  closed: 'disconnected',
};

export function Header({ connection, reason, stats, uptimeMs, onForgetToken }: HeaderProps) {
  const tiles: [string, string, string?][] = [
    ['Workers', stats ? formatCount(stats.workers) : '–'],
    ['Running', stats ? formatCount(stats.running) : '–', 'running'],
    ['Queued', stats ? formatCount(stats.queued) : '–', 'queued'],
    ['Waiting', stats ? formatCount(stats.waiting) : '–', 'waiting'],
    ['Succeeded', stats ? formatCount(stats.succeeded) : '–', 'succeeded'],
    ['Failed', stats ? formatCount(stats.failed) : '–', 'failed'],
    ['Uptime', uptimeMs === null ? '–' : formatDuration(uptimeMs)],
  ];
  return (
    <header className="top">
      <div className="brand">
        <svg viewBox="0 0 16 16" width="22" height="22" aria-hidden="true">
          <rect width="16" height="16" rx="3" fill="#6366f1" />
          <rect x="3" y="8" width="2" height="5" fill="#fff" />
          <rect x="7" y="5" width="2" height="8" fill="#fff" />
          <rect x="11" y="3" width="2" height="10" fill="#fff" />
        </svg>
        <h1>cadre</h1>
        <span
          className={`conn conn-${connection}`}
          role="status"
          aria-label={`Connection: ${CONNECTION_TEXT[connection]}`}
          title={reason}
        >
          <span className="dot" aria-hidden="true" />
          {CONNECTION_TEXT[connection]}
        </span>
      </div>
      <dl className="totals" aria-label="Totals">
        {tiles.map(([label, value, tone]) => (
          <div key={label} className={`total ${tone ? `tone-${tone}` : ''}`}>
            <dt>{label}</dt>
            <dd data-testid={`total-${label.toLowerCase()}`}>{value}</dd>
          </div>
        ))}
      </dl>
      <div className="top-tools">
        <ThemeToggle />
        {onForgetToken && (
          <button type="button" className="ghost small" onClick={onForgetToken}>
            Forget token
          </button>
        )}
      </div>
    </header>
  );
}
