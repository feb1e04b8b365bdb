import { useMemo } from 'react';

/**
 * The series a chart draws: the names the server lists now, in its order,
 * then those only the history still holds (gone from the server, still in
 * the window). The array keeps its identity while the names stay the same,
 * so that a chart is not rebuilt on every snapshot.
 */
export function useSeriesNames(
  current: readonly string[] | undefined,
  seen: readonly string[],
): readonly string[] {
  const key = [...(current ?? []), ...seen.filter((n) => !current?.includes(n))].join('\u0000');
  return useMemo(() => (key ? key.split('\u0000') : []), [key]);
}
