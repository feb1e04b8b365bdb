/**
 * One colour per category, the same in every chart, bar and table. Known
 * categories keep their place in the palette by the order the server lists
 * them; a name the palette has not seen is placed by a hash of the name, so
 * a category keeps its colour across reloads.
 */
export const PALETTE = [
  '#6366f1', // indigo
  '#14b8a6', // teal
  '#f59e0b', // amber
  '#ec4899', // pink
  '#22c55e', // green
  '#0ea5e9', // sky
  '#a855f7', // purple
  '#ef4444', // red
  '#84cc16', // lime
  '#f97316', // orange
] as const;

export function hashName(name: string): number {
  // FNV-1a: tiny and well spread for short names.
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Assigns colours to `names` in order, without repeats while the palette lasts. */
export function assignColors(names: readonly string[]): Map<string, string> {
  const colors = new Map<string, string>();
  const used = new Set<number>();
  for (const name of names) {
    if (colors.has(name)) continue;
    let slot = colors.size < PALETTE.length ? colors.size : hashName(name) % PALETTE.length;
    if (used.has(slot) && used.size < PALETTE.length) {
      while (used.has(slot)) slot = (slot + 1) % PALETTE.length;
    }
    used.add(slot);
    colors.set(name, PALETTE[slot] as string);
  }
  return colors;
}

/**
 * Colours for `names` that keep those `previous` gave: a node keeps its
 * colour while others join, leave or change places. A new name takes the
 * first colour no other name holds, or one by its hash once all are taken.
 */
export function extendColors(
  previous: ReadonlyMap<string, string>,
  names: readonly string[],
): Map<string, string> {
  const colors = new Map<string, string>();
  for (const name of names) {
    const kept = previous.get(name);
    if (kept !== undefined) colors.set(name, kept);
  }
  const used = new Set(colors.values());
  for (const name of names) {
    if (colors.has(name)) continue;
    const color =
      PALETTE.find((c) => !used.has(c)) ?? (PALETTE[hashName(name) % PALETTE.length] as string);
    used.add(color);
    colors.set(name, color);
  }
  return colors;
}

/** `#rrggbb` with an alpha, for area fills. */
export function withAlpha(hex: string, alpha: number): string {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}
