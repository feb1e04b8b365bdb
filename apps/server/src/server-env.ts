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
  corsOrigin: string | null;
  graceMs: number;
}

export function readServerEnv(
  env: Record<string, string | undefined>,
  cwd = process.cwd(),
): ServerEnv {
  const host = env.HOST?.trim() || '127.0.0.1';
  const token = env.CADRE_TOKEN === undefined || env.CADRE_TOKEN === '' ? null : env.CADRE_TOKEN;
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
    corsOrigin: env.CADRE_CORS_ORIGIN?.trim() || null,
    graceMs: intFromEnv(env, 'CADRE_GRACE_MS', 0, 3_600_000) ?? 10_000,
  };
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
