/** The `cadre` command's help, in one place for `cadre help` and every usage error. */
export const USAGE = `usage: cadre <command> [options]

commands:
  start      serve the HTTP API, the live events and the dashboard
  check      validate the config and load every task module; exit 0 or 1
  generate   submit a mix of jobs to a running server and report (cadre generate --help)
  help       print this text

cadre start [--config FILE] [--port N] [--data DIR]
  --config FILE   the config file (CADRE_CONFIG; default: the bundled example)
  --port N        TCP port, 0 = any free one (PORT; default 3000)
  --data DIR      the data directory (CADRE_DATA; default ./data)
  A flag wins over its variable. The rest is read from the environment:
  HOST, CADRE_TOKEN, CADRE_READ_TOKEN, CADRE_WORKERS, CADRE_BALANCE_MS,
  CADRE_CORS_ORIGIN, CADRE_GRACE_MS, LOG_LEVEL.

cadre check [--config FILE]
  Prints one line per task (ok, or why it cannot run) and exits 1 if the
  config is invalid or any task cannot run. Starts nothing: no data
  directory, no port.`;

export class UsageError extends Error {}
