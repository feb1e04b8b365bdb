/**
 * The schema, as an ordered list of forward-only migrations. A migration is
 * never edited once released: a change is a new migration at the end.
 * `migrate.ts` applies the missing ones at open.
 *
 * Jobs keep `input` and `result` as `json`, not `jsonb`: json keeps the text
 * as given (key order, duplicate keys, `\u0000`), and nothing queries inside.
 * Durations are `double precision` because a JS number is what they hold.
 * Ids and node names sort as JavaScript sorts them (COLLATE "C").
 */
import type { Names } from './names.js';

export interface Migration {
  version: number;
  name: string;
  sql: (n: Names) => string;
}

/** The advisory lock (of the whole database) under which a migration creates an extension. */
const EXTENSION_LOCK = '7301454141870653289';

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'jobs, categories, nodes, leader',
    sql: (n) => `
      CREATE SEQUENCE ${n.queueSeq};

      CREATE TABLE ${n.jobs} (
        id text COLLATE "C" PRIMARY KEY,
        key text UNIQUE,
        category text NOT NULL,
        task text NOT NULL,
        input json NOT NULL,
        state text NOT NULL CHECK (state IN
          ('delayed', 'queued', 'running', 'retrying', 'succeeded', 'failed', 'cancelled')),
        attempts integer NOT NULL,
        max_retries integer NOT NULL,
        timeout_ms double precision,
        run_at timestamptz,
        created_at timestamptz NOT NULL,
        started_at timestamptz,
        finished_at timestamptz,
        duration_ms double precision,
        progress double precision,
        result json,
        last_error json,
        failure text,
        node text,
        -- The process (node incarnation) that claimed the running attempt: with
        -- node and attempts, it fences completions.
        incarnation text,
        -- Order of entering the queue: set on every entry into 'queued'.
        queue_seq bigint
      );
      -- claim: a category's queue, oldest entry first
      CREATE INDEX jobs_queue ON ${n.jobs} (category, queue_seq) WHERE state = 'queued';
      -- promoteDue and the next due time
      CREATE INDEX jobs_due ON ${n.jobs} (run_at) WHERE state IN ('delayed', 'retrying');
      -- reap and requeue: a node's running jobs
      CREATE INDEX jobs_running ON ${n.jobs} (node) WHERE state = 'running';
      -- list, newest first, by category and state, or by state (by neither: the primary key)
      CREATE INDEX jobs_category_state ON ${n.jobs} (category, state, id);
      CREATE INDEX jobs_state ON ${n.jobs} (state, id);
      -- prune: each category's retention classes, oldest finish first
      CREATE INDEX jobs_done ON ${n.jobs} (category, finished_at, id)
        WHERE state IN ('succeeded', 'cancelled');
      CREATE INDEX jobs_failed ON ${n.jobs} (category, finished_at, id) WHERE state = 'failed';

      CREATE TABLE ${n.categories} (
        name text PRIMARY KEY,
        override jsonb NOT NULL DEFAULT '{}'
      );

      CREATE TABLE ${n.nodes} (
        name text COLLATE "C" PRIMARY KEY,
        tags text[] NOT NULL,
        workers integer NOT NULL,
        state text NOT NULL CHECK (state IN ('live', 'dead')),
        incarnation text NOT NULL,
        allocation jsonb NOT NULL DEFAULT '{}',
        report jsonb NOT NULL,
        started_at timestamptz NOT NULL,
        heartbeat_at timestamptz NOT NULL
      );

      -- One row: who leads, until when (by the database's clock).
      CREATE TABLE ${n.leader} (
        one boolean PRIMARY KEY DEFAULT true CHECK (one),
        node text,
        expires_at timestamptz NOT NULL
      );
      INSERT INTO ${n.leader} (node, expires_at) VALUES (NULL, '-infinity');
    `,
  },
  {
    version: 2,
    name: 'socket.io attachments',
    // Live events between nodes go over NOTIFY (socket.io's PostgreSQL
    // adapter); a payload too large for NOTIFY waits in this table, which
    // the adapter reads and cleans. Created here so nodes never race on it.
    sql: (n) => `
      CREATE TABLE ${n.schema}.socket_io_attachments (
        id bigserial UNIQUE,
        created_at timestamptz DEFAULT now(),
        payload bytea
      );
    `,
  },
  {
    version: 3,
    name: 'flows',
    // A callback waits (`waiting`) for its parents. `children` is the reverse
    // of `parents`, for the backend alone: the ids waiting on a job, written
    // at submit (a parent and its callbacks are created together), so that
    // finishing a job finds its callbacks in the row it locks anyway.
    // The new CHECK allows more than the old one, so the rows it checks pass.
    sql: (n) => `
      ALTER TABLE ${n.jobs}
        DROP CONSTRAINT jobs_state_check,
        ADD CONSTRAINT jobs_state_check CHECK (state IN
          ('waiting', 'delayed', 'queued', 'running', 'retrying', 'succeeded', 'failed', 'cancelled')),
        ADD COLUMN flow_id text COLLATE "C",
        ADD COLUMN flow_role text CHECK (flow_role IN ('step', 'member', 'chord', 'callback')),
        ADD COLUMN parents text[] NOT NULL DEFAULT '{}',
        ADD COLUMN trigger json,
        ADD COLUMN children text[] NOT NULL DEFAULT '{}';
      -- flowJobs, and list by flow: a flow's jobs in id order
      CREATE INDEX jobs_flow ON ${n.jobs} (flow_id, id) WHERE flow_id IS NOT NULL;
    `,
  },
  {
    version: 4,
    name: 'schedules and observers',
    // Issue 13. A record is the whole of core's ScheduleRecord or
    // ObserverRecord as json (not jsonb: a schedule's job input keeps its key
    // order, and a record saved again compares equal). A schedule's row is
    // locked by the transaction that fires a tick, which inserts the job and
    // writes the record's new `sinceMs` together. An observer keeps its latest
    // results, in the order they were kept (`seq`).
    sql: (n) => `
      ALTER TABLE ${n.jobs} ADD COLUMN schedule text;

      CREATE TABLE ${n.schedules} (
        name text COLLATE "C" PRIMARY KEY,
        record json NOT NULL
      );

      CREATE TABLE ${n.observers} (
        name text COLLATE "C" PRIMARY KEY,
        record json NOT NULL
      );

      CREATE TABLE ${n.observations} (
        name text COLLATE "C" NOT NULL REFERENCES ${n.observers} (name) ON DELETE CASCADE,
        seq bigserial NOT NULL,
        result json NOT NULL,
        PRIMARY KEY (name, seq)
      );
    `,
  },
  {
    version: 5,
    name: 'priorities and rate limits',
    // A constant default adds the column without rewriting the table. The
    // claim takes a category's queue by priority, then by entry; the index
    // follows, so a claim still reads only the rows it takes.
    // `rate_starts`: the starts of rate-limited categories still in their
    // window, one row per claim (its time in epoch ms, by the claimant's
    // clock, and how many jobs it started); claimLimited counts and prunes
    // them under a lock of the category's row.
    sql: (n) => `
      ALTER TABLE ${n.jobs} ADD COLUMN priority smallint NOT NULL DEFAULT 0
        CHECK (priority BETWEEN -100 AND 100);
      DROP INDEX ${n.schema}.jobs_queue;
      -- claim: a category's queue, highest priority first, then oldest entry
      CREATE INDEX jobs_queue_priority ON ${n.jobs} (category, priority DESC, queue_seq)
        WHERE state = 'queued';

      CREATE TABLE ${n.rateStarts} (
        category text NOT NULL,
        at_ms bigint NOT NULL,
        n integer NOT NULL
      );
      CREATE INDEX rate_starts_window ON ${n.rateStarts} (category, at_ms);
    `,
  },
  {
    version: 6,
    name: 'search',
    // Issue 14: `list({ q })` finds the text in a job's searchable text (the
    // local backend's job-search.ts builds the same): id, key, task, input
    // and result as JSON text, and lastError as JSON text too (its message
    // and kind: any json operator would decode a NUL in the message, which
    // text cannot hold), lowercased and joined by newlines. `search_text` is
    // that expression, IMMUTABLE so that an index can hold it; sql/read.ts
    // calls it by the same name so that the planner matches the index. A GIN trigram index (pg_trgm) serves LIKE '%text%'.
    //
    // It holds finished jobs only: they are most of what is kept, and each
    // enters it once. An index of every job would take each job's text and
    // trigrams again at its submit, its claim and its end (a change of state
    // is never a HOT update), and halved the backend's raw write rate
    // (BENCHMARKS.md, "Search"). A search reads the unfinished jobs, whose
    // number the queue limits bound, through the state indexes. ANALYZE
    // keeps no statistics of a partial index's expression: the statistics
    // object does, so that the planner knows a common text from a rare one
    // (an index walk in id order for the first, the trigram index for the
    // second).
    //
    // pg_trgm is one per database, and the schemas of one database migrate
    // concurrently (each under its own lock): creating it takes a lock of
    // the database's own, and a CREATE that another session won anyway is
    // tolerated. It goes to `public` unless it is installed already; the
    // operator class is named with whatever schema holds it, so the index
    // does not depend on search_path.
    sql: (n) => `
      CREATE FUNCTION ${n.schema}.search_text(
        id text, key text, task text, input json, result json, last_error json
      ) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT lower(id || E'\n' || coalesce(key, '') || E'\n' || task || E'\n' || input::text
          || E'\n' || coalesce(result::text, '') || E'\n' || coalesce(last_error::text, ''))
      $$;

      SELECT pg_advisory_xact_lock(${EXTENSION_LOCK});
      DO $$
      BEGIN
        CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;
      EXCEPTION WHEN unique_violation OR duplicate_object THEN
        NULL; -- another session created it meanwhile
      END $$;

      DO $$
      BEGIN
        EXECUTE format(
          'CREATE INDEX jobs_search ON ${n.jobs} USING gin '
          '(${n.schema}.search_text(id, key, task, input, result, last_error) %I.gin_trgm_ops) '
          'WHERE state IN (''succeeded'', ''failed'', ''cancelled'')',
          (SELECT s.nspname FROM pg_extension AS e
             JOIN pg_namespace AS s ON s.oid = e.extnamespace
           WHERE e.extname = 'pg_trgm'));
      END $$;
      CREATE STATISTICS ${n.schema}.jobs_search_text
        ON (${n.schema}.search_text(id, key, task, input, result, last_error)) FROM ${n.jobs};
    `,
  },
  {
    version: 7,
    name: 'metrics history',
    // Issue 14. One row per minute (epoch ms of its start), category and node:
    // a node adds its deltas to its own rows only, so nodes never contend;
    // reads sum over nodes. The histograms are core's HistogramData (flat
    // [bucket, count] pairs) as integer arrays. Rows older than 24 h are
    // deleted by the flushes (the key leads with the minute).
    sql: (n) => `
      CREATE TABLE ${n.history} (
        minute bigint NOT NULL,
        category text COLLATE "C" NOT NULL,
        node text COLLATE "C" NOT NULL,
        succeeded integer NOT NULL,
        failed integer NOT NULL,
        wait_ms integer[] NOT NULL,
        run_ms integer[] NOT NULL,
        PRIMARY KEY (minute, category, node)
      );
    `,
  },
  {
    version: 8,
    name: 'partial key index',
    // Issue 10: most jobs have no idempotency key, and a unique constraint's
    // index holds a NULL for each of them: every insert and every change of
    // state (never a HOT update) added an entry to it. The same uniqueness,
    // of the keys only; submit.ts names its predicate in ON CONFLICT.
    sql: (n) => `
      CREATE UNIQUE INDEX jobs_key ON ${n.jobs} (key) WHERE key IS NOT NULL;
      ALTER TABLE ${n.jobs} DROP CONSTRAINT jobs_key_key;
    `,
  },
];
