/**
 * Stacks series for uPlot's stacked areas (the approach of uPlot's stack
 * demo): each series becomes the running total of itself and those before
 * it, and a band between each series and the one below fills only the
 * series' own share.
 */
export interface Band {
  /** [upper series index, lower series index] in uPlot's numbering (0 is x). */
  series: [number, number];
}

export function stack(data: readonly (readonly (number | null)[])[]): {
  data: number[][];
  bands: Band[];
} {
  const [xs, ...ys] = data;
  const length = xs?.length ?? 0;
  const totals = new Array<number>(length).fill(0);
  const stacked = ys.map((ys) =>
    Array.from({ length }, (_, i) => (totals[i] = (totals[i] ?? 0) + (ys[i] ?? 0))),
  );
  const bands: Band[] = [];
  for (let s = 2; s <= ys.length; s++) bands.push({ series: [s, s - 1] });
  return { data: [xs ? [...(xs as number[])] : [], ...stacked], bands };
}
