/**
 * pino, JSON lines by default and pretty only on a terminal. Nothing in cadre
 * logs per job at info, nor tokens, inputs or results.
 */
import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

export interface LoggerOptions {
  /** A pino level; main.ts passes `LOG_LEVEL`. @defaultValue 'info' */
  level?: string;
  /** @defaultValue process.stdout.isTTY */
  pretty?: boolean;
}

const LEVELS: readonly LevelWithSilent[] = [
  'fatal',
  'error',
  'warn',
  'info',
  'debug',
  'trace',
  'silent',
];

export function createLogger(options: LoggerOptions = {}): Logger {
  const wanted = (options.level ?? 'info').toLowerCase();
  const level = (LEVELS as readonly string[]).includes(wanted) ? wanted : 'info';
  const pretty = options.pretty ?? process.stdout.isTTY === true;
  const logger = pino({
    name: 'cadre',
    level,
    // Belt and braces: should a token ever reach a log call, it is masked.
    redact: ['token', 'req.headers.authorization', '*.token'],
    ...(pretty
      ? {
          transport: {
            target: 'pino-pretty',
            options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' },
          },
        }
      : {}),
  });
  if (level !== wanted) logger.warn(`LOG_LEVEL '${wanted}' is not a level; using info`);
  return logger;
}
