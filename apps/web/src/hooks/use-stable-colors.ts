import { useState } from 'react';
import { extendColors } from '../lib/colors.js';

/** Colours for `names` (a stable array) that a name keeps for as long as the page is open. */
export function useStableColors(names: readonly string[]): ReadonlyMap<string, string> {
  const [state, setState] = useState(() => ({ names, colors: extendColors(new Map(), names) }));
  if (state.names === names) return state.colors;
  // Adjusting state while rendering, as React's docs show for props that change.
  const next = { names, colors: extendColors(state.colors, names) };
  setState(next);
  return next.colors;
}
