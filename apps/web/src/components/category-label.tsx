import { colorOf, useDashboard } from '../hooks/use-dashboard.js';

/** A category's name with its colour swatch, the same in every table and panel. */
export function CategoryLabel({ name }: { name: string }) {
  const { colors } = useDashboard();
  return (
    <>
      <span className="swatch" style={{ background: colorOf(colors, name) }} aria-hidden="true" />
      {name}
    </>
  );
}
