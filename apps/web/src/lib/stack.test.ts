import { describe, expect, it } from 'vitest';
import { stack } from './stack.js';

describe('stack', () => {
  it('turns each series into a running total and bands each onto the one below', () => {
    const { data, bands } = stack([
      [1, 2, 3],
      [1, 0, 2],
      [2, null, 1],
      [0, 3, 1],
    ]);
    expect(data).toEqual([
      [1, 2, 3],
      [1, 0, 2],
      [3, 0, 3],
      [3, 3, 4],
    ]);
    expect(bands).toEqual([{ series: [2, 1] }, { series: [3, 2] }]);
  });

  it('handles no series and no points', () => {
    expect(stack([[]])).toEqual({ data: [[]], bands: [] });
    expect(stack([[1, 2]])).toEqual({ data: [[1, 2]], bands: [] });
    expect(stack([])).toEqual({ data: [[]], bands: [] });
  });
});
