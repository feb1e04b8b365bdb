/**
 * Access levels. With CADRE_TOKEN alone (or no token at all) every accepted
 * caller may change things ('write'). CADRE_READ_TOKEN adds a second token
 * that may read everything (every GET, /metrics, the socket's events) and
 * change nothing ('read'): any other method on /api answers 403
 * ERR_READ_ONLY, whatever the route, so a route added later is refused to it
 * too without saying so.
 */
import { Errors } from '@cadre/core';
import type { NextFunction, Request, Response } from 'express';

export const ACCESS_LEVELS = ['read', 'write'] as const;
export type Access = (typeof ACCESS_LEVELS)[number];

/** The tokens a server accepts; `read` only alongside `write` (see server-env.ts). */
export interface AccessTokens {
  write: string;
  read?: string | null;
}

/** Methods that read: the only ones the read-only token may use. */
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The access of this request, as set by requireToken; 'write' on a server without tokens. */
export function accessOf(res: Response): Access {
  return (res.locals as { access?: Access }).access ?? 'write';
}

/** Express middleware: refuses every change asked for with the read-only token. */
export function refuseReadOnly(req: Request, res: Response, next: NextFunction): void {
  if (accessOf(res) === 'read' && !READ_METHODS.has(req.method)) {
    next(Errors.readOnly(`${req.method} ${req.baseUrl}${req.path}`));
    return;
  }
  next();
}
