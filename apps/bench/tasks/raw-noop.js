// The ceiling: what piscina alone does with a task that does nothing.
export default function noop() {
  return null;
}
