/**
 * Reading single environment variables, shared by the server's environment
 * (server-env.ts) and the engine's overrides (load-config.ts). Every error is
 * an ERR_CONFIG that names the variable.
 */
import { Errors } from '@cadre/core';

export type Env = Record<string, string | undefined>;

/** The HTTP port when PORT is unset. */
export const DEFAULT_PORT = 3000;

/** `null` when unset or empty; throws ERR_CONFIG naming the variable otherwise. */
export function intFromEnv(env: Env, variable: string, min: number, max: number): number | null {
  const raw = nonEmpty(env[variable]);
  if (raw === undefined) return null;
  const value = /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw Errors.config(variable, `must be an integer from ${min} to ${max}, got '${raw}'`);
  }
  return value;
}

export function portFromEnv(env: Env): number {
  return intFromEnv(env, 'PORT', 0, 65_535) ?? DEFAULT_PORT;
}

/** The value, or undefined when unset or blank. */
export function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
