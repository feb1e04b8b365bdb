/**
 * Bearer-token auth for the HTTP API and the socket.io gateway, with two
 * levels (access.ts): CADRE_TOKEN may do anything, CADRE_READ_TOKEN only read.
 *
 * Tokens are compared as SHA-256 digests with timingSafeEqual: equal-length
 * buffers, so neither the content nor the length of the token leaks through
 * timing. Failed attempts are limited per client address, so a token cannot be
 * guessed at network speed.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { CadreError } from '@cadre/core';
import type { NextFunction, Request, Response } from 'express';
import type { Access, AccessTokens } from './access.js';
import { sendCadreError } from './error-status.js';

export function tokenMatches(expected: string, given: unknown): boolean {
  if (typeof given !== 'string') return false;
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, b);
}

/**
 * The access `given` grants, or null for none. Both tokens are compared
 * every time, so the timing does not tell which one matched.
 */
export function tokenAccess(tokens: AccessTokens, given: unknown): Access | null {
  const write = tokenMatches(tokens.write, given);
  const read = tokens.read != null && tokenMatches(tokens.read, given);
  return write ? 'write' : read ? 'read' : null;
}

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(header: string | undefined): string | null {
  if (header === undefined) return null;
  const match = /^Bearer[ \t]+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}

export interface FailureLimiterOptions {
  /** Failed attempts allowed per address per window. @defaultValue 20 */
  max?: number;
  /** @defaultValue 60_000 */
  windowMs?: number;
  /** @defaultValue Date.now */
  now?: () => number;
}

/** Counts failures per key in fixed windows; memory is bounded by pruning expired windows. */
export class FailureLimiter {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();
  private readonly max: number;
  private readonly windowMs: number;
  private readonly now: () => number;

  constructor(options: FailureLimiterOptions = {}) {
    this.max = options.max ?? 20;
    this.windowMs = options.windowMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  /** Seconds until `key` may try again, or 0 if it may now. */
  blockedFor(key: string): number {
    const w = this.windows.get(key);
    const now = this.now();
    if (w === undefined || w.resetAt <= now) return 0;
    return w.count >= this.max ? Math.ceil((w.resetAt - now) / 1000) : 0;
  }

  fail(key: string): void {
    const now = this.now();
    if (this.windows.size > 10_000) {
      for (const [k, w] of this.windows) if (w.resetAt <= now) this.windows.delete(k);
    }
    const w = this.windows.get(key);
    if (w === undefined || w.resetAt <= now) {
      this.windows.set(key, { count: 1, resetAt: now + this.windowMs });
    } else {
      w.count += 1;
    }
  }
}

/**
 * Express middleware: passes requests with a known token, noting its access in
 * `res.locals.access`; answers 401 (or 429) otherwise.
 */
export function requireToken(
  tokens: string | AccessTokens,
  limiter: FailureLimiter = new FailureLimiter(),
) {
  const known = typeof tokens === 'string' ? { write: tokens } : tokens;
  return (req: Request, res: Response, next: NextFunction): void => {
    const address = req.socket.remoteAddress ?? 'unknown';
    const wait = limiter.blockedFor(address);
    if (wait > 0) {
      res.setHeader('Retry-After', String(wait));
      sendCadreError(
        res,
        new CadreError('ERR_UNAUTHORIZED', 'too many failed attempts; try again later'),
        { ERR_UNAUTHORIZED: 429 },
      );
      return;
    }
    const access = tokenAccess(known, bearerToken(req.headers.authorization));
    if (access !== null) {
      (res.locals as { access?: Access }).access = access;
      next();
      return;
    }
    limiter.fail(address);
    res.setHeader('WWW-Authenticate', 'Bearer');
    sendCadreError(res, new CadreError('ERR_UNAUTHORIZED'));
  };
}
