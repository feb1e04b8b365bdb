/**
 * The server's environment (shared/API.md, "Starting the server"), read in
 * one place. The engine's own overrides (CADRE_WORKERS, CADRE_BALANCE_MS,
 * CADRE_CONFIG, the cluster's CADRE_DATABASE_URL, CADRE_NODE, …) are applied
 * by loadConfig.
 */
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { Errors } from '@cadre/core';
import { intFromEnv, portFromEnv } from './config/env-vars.js';

export interface ServerEnv {
  port: number;
  host: string;
  dataDir: string;
  token: string | null;
  /** CADRE_READ_TOKEN: may read everything and change nothing. */
  readToken: string | null;
  corsOrigin: string | null;
  graceMs: number;
}

export function readServerEnv(
  env: Record<string, string | undefined>,
  cwd = process.cwd(),
): ServerEnv {
  const host = env.HOST?.trim() || '127.0.0.1';
  const token = env.CADRE_TOKEN === undefined || env.CADRE_TOKEN === '' ? null : env.CADRE_TOKEN;
  const readToken = readTokenFromEnv(env, token);
  if (token === null && !isLoopback(host)) {
    throw Errors.config(
      'HOST',
      `refusing to listen on ${host} without CADRE_TOKEN: anyone who can reach that address ` +
        'could submit jobs and run tasks on this machine. Set CADRE_TOKEN, or bind to 127.0.0.1.',
    );
  }
  return {
    port: portFromEnv(env),
    host,
    dataDir: resolve(cwd, env.CADRE_DATA?.trim() || './data'),
    token,
    readToken,
    corsOrigin: env.CADRE_CORS_ORIGIN?.trim() || null,
    graceMs: intFromEnv(env, 'CADRE_GRACE_MS', 0, 3_600_000) ?? 10_000,
  };
}

/**
 * CADRE_READ_TOKEN, checked against CADRE_TOKEN. Without CADRE_TOKEN the API
 * is open to every caller, so a read-only token would restrict nobody: the
 * server refuses to start rather than leave writes open while the operator
 * believes them guarded.
 */
function readTokenFromEnv(env: Record<string, string | undefined>, token: string | null) {
  const readToken =
    env.CADRE_READ_TOKEN === undefined || env.CADRE_READ_TOKEN === '' ? null : env.CADRE_READ_TOKEN;
  if (readToken === null) return null;
  if (token === null) {
    throw Errors.config(
      'CADRE_READ_TOKEN',
      'is set without CADRE_TOKEN: without it anyone could change everything, so a read-only ' +
        'token would restrict nobody. Set CADRE_TOKEN too (the token that may change things).',
    );
  }
  if (readToken === token) {
    throw Errors.config(
      'CADRE_READ_TOKEN',
      'equals CADRE_TOKEN: the read-only token must differ from the one that may change things.',
    );
  }
  return readToken;
}

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  // IPv4-mapped IPv6 loopback.
  return /^::ffff:127\./.test(h);
}

/** The URL to print for an address the server bound. */
export function urlOf(host: string, port: number): string {
  const h = isIP(host) === 6 ? `[${host}]` : host;
  return `http://${h}:${port}`;
}
