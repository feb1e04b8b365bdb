import type { ReactNode } from 'react';

/**
 * A card that lists records in a table: its head with how many there are,
 * the last error, what it says when there are none, and the table itself
 * once there are some. `count` is null until the list is first loaded.
 */
export function ListCard({
  name,
  title,
  count,
  error,
  empty,
  children,
}: {
  /** The card's class and the prefix of its title's id. */
  name: string;
  title: string;
  count: number | null;
  error: string | null;
  empty: ReactNode;
  children: ReactNode;
}) {
  return (
    <section className={`card ${name}`} aria-labelledby={`${name}-title`}>
      <div className="section-head">
        <h2 id={`${name}-title`}>{title}</h2>
        {count !== null && <span className="muted">{count}</span>}
      </div>
      {error && (
        <p className="inline-error" role="alert">
          {error}
        </p>
      )}
      {count === 0 && <p className="muted">{empty}</p>}
      {count !== null && count > 0 && <div className="table-wrap">{children}</div>}
    </section>
  );
}
