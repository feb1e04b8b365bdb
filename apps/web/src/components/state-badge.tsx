import type { JobState } from '@cadre/client';

export function StateBadge({ state }: { state: JobState }) {
  return <span className={`state state-${state}`}>{state}</span>;
}
