/**
 * One error class for everything cadre refuses, with a `code` from one
 * registry. Messages are built here and nowhere else; HTTP statuses for the
 * codes live only in apps/server.
 */

export const ERROR_CODES = {
  ERR_VALIDATION: 'invalid request',
  ERR_UNKNOWN_TASK: 'unknown task',
  ERR_UNKNOWN_CATEGORY: 'unknown category',
  ERR_JOB_NOT_FOUND: 'job not found',
  ERR_INVALID_TRANSITION: 'invalid state transition',
  ERR_STORE_CORRUPT: 'the data directory is damaged',
  ERR_STORE_LOCKED: 'the data directory is in use',
  ERR_STORE_UNAVAILABLE: 'the store cannot be reached or cannot write',
  ERR_NODE_NOT_FOUND: 'node not found',
  ERR_FLOW_NOT_FOUND: 'flow not found',
  ERR_SCHEDULE_NOT_FOUND: 'schedule not found',
  ERR_OBSERVER_NOT_FOUND: 'observer not found',
  ERR_NODE_LIVE: 'the node is live',
  ERR_NODE_NAME_TAKEN: 'a live node already has this name',
  ERR_SHUTTING_DOWN: 'cadre is shutting down',
  ERR_QUEUE_FULL: 'the queue is full',
  ERR_CONFIG: 'invalid configuration',
  ERR_UNAUTHORIZED: 'missing or wrong token',
  ERR_READ_ONLY: 'this token may read but not change anything',
  ERR_PAYLOAD_TOO_LARGE: 'payload too large',
  ERR_NOT_FOUND: 'not found',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class CadreError extends Error {
  override name = 'CadreError';
  readonly code: ErrorCode;
  readonly details: unknown;

  constructor(code: ErrorCode, message?: string, details?: unknown) {
    super(message ?? ERROR_CODES[code]);
    this.code = code;
    this.details = details;
  }
}

export function isCadreError(err: unknown): err is CadreError {
  return err instanceof CadreError;
}

/** One way a job's input does not match its task's schema; `path` is a JSON Pointer inside the input. */
export interface InputIssue {
  path: string;
  message: string;
}

/** The factory: every message cadre builds for its own errors. */
export const Errors = {
  unknownTask: (task: string) => new CadreError('ERR_UNKNOWN_TASK', `unknown task '${task}'`),
  unknownCategory: (category: string) =>
    new CadreError('ERR_UNKNOWN_CATEGORY', `unknown category '${category}'`),
  jobNotFound: (id: string) => new CadreError('ERR_JOB_NOT_FOUND', `no job with id '${id}'`),
  invalidTransition: (id: string, from: string, event: string) =>
    new CadreError('ERR_INVALID_TRANSITION', `job '${id}' cannot '${event}' while it is ${from}`, {
      from,
      event,
    }),
  validation: (message: string, details?: unknown) =>
    new CadreError('ERR_VALIDATION', message, details),
  /** Data that JSON.stringify refuses (a BigInt, a cycle, a throwing toJSON). */
  unserialisable: (reason: string) =>
    new CadreError('ERR_VALIDATION', `the data cannot be stored as JSON: ${reason}`, { reason }),
  /** `where` names the input as the caller wrote it (`jobs[3].input`); `issues` is never empty. */
  invalidInput: (where: string, issues: readonly InputIssue[], details: object) => {
    const [first] = issues;
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
    return new CadreError(
      'ERR_VALIDATION',
      `${where}${first?.path ?? ''} ${first?.message ?? 'is invalid'}${more}`,
      { field: 'input', ...details, path: first?.path ?? '', issues },
    );
  },
  storeCorrupt: (file: string, line: number | null, why: string) =>
    new CadreError(
      'ERR_STORE_CORRUPT',
      `${file}${line === null ? '' : `:${line}`}: ${why}; nothing was changed, repair or move the file before starting again`,
      { file, line },
    ),
  storeLocked: (dir: string, pid: number) =>
    new CadreError(
      'ERR_STORE_LOCKED',
      `data directory '${dir}' is used by another cadre process (pid ${pid})`,
      { dir, pid },
    ),
  storeUnavailable: (cause: string) =>
    new CadreError('ERR_STORE_UNAVAILABLE', `the store could not write to disk: ${cause}`),
  databaseUnavailable: (cause: string) =>
    new CadreError('ERR_STORE_UNAVAILABLE', `the database cannot be reached: ${cause}`),
  flowNotFound: (id: string) => new CadreError('ERR_FLOW_NOT_FOUND', `no flow with id '${id}'`),
  scheduleNotFound: (name: string) =>
    new CadreError('ERR_SCHEDULE_NOT_FOUND', `no schedule named '${name}'`),
  observerNotFound: (name: string) =>
    new CadreError('ERR_OBSERVER_NOT_FOUND', `no observer named '${name}'`),
  nodeNotFound: (name: string) => new CadreError('ERR_NODE_NOT_FOUND', `no node named '${name}'`),
  nodeLive: (name: string) =>
    new CadreError('ERR_NODE_LIVE', `node '${name}' is live; only a dead node can be removed`),
  nodeNameTaken: (name: string) =>
    new CadreError(
      'ERR_NODE_NAME_TAKEN',
      `a live node is already named '${name}': give this one another name with CADRE_NODE`,
      { node: name },
    ),
  shuttingDown: () => new CadreError('ERR_SHUTTING_DOWN'),
  /** A change asked for with the read-only token (CADRE_READ_TOKEN). */
  readOnly: (what: string) =>
    new CadreError(
      'ERR_READ_ONLY',
      `${what} would change something, and this token may only read (CADRE_READ_TOKEN)`,
    ),
  queueFull: (limit: 'category' | 'total', max: number, category?: string) =>
    new CadreError(
      'ERR_QUEUE_FULL',
      limit === 'category'
        ? `category '${category}' already holds its limit of ${max} waiting jobs`
        : `cadre already holds its limit of ${max} waiting jobs`,
      { limit, max, category },
    ),
  config: (file: string, message: string, details?: unknown) =>
    new CadreError('ERR_CONFIG', `${file}: ${message}`, details),
};

/** The one door for turning anything a task threw into a message. */
export function toErrorMessage(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  if (typeof err === 'string') return err;
  try {
    return JSON.stringify(err) ?? String(err);
  } catch {
    return String(err);
  }
}
