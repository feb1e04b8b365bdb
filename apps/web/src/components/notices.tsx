import type { NoticeKind } from '../hooks/use-dashboard.js';

export interface Notice {
  id: number;
  kind: NoticeKind;
  message: string;
}

export function Notices({
  notices,
  onDismiss,
}: {
  notices: Notice[];
  onDismiss: (id: number) => void;
}) {
  return (
    <section className="notices" aria-live="polite" aria-label="Notifications">
      {notices.map((n) => (
        <div
          key={n.id}
          className={`notice notice-${n.kind}`}
          role={n.kind === 'error' ? 'alert' : 'status'}
        >
          <span>{n.message}</span>
          <button
            type="button"
            className="ghost small"
            aria-label="Dismiss"
            onClick={() => onDismiss(n.id)}
          >
            ✕
          </button>
        </div>
      ))}
    </section>
  );
}
