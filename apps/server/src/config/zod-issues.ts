/**
 * Turns zod issues into messages that name the field the way a user writes it
 * (`categories[1].weight`, `[3].input`), shared by the config loader and the
 * HTTP layer.
 */
import type { z } from 'zod';

export interface FieldIssue {
  path: string;
  message: string;
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

export function fieldIssues(error: z.ZodError, limit = 20): FieldIssue[] {
  const out: FieldIssue[] = [];
  for (const issue of error.issues) {
    if (out.length >= limit) break;
    if (issue.code === 'unrecognized_keys') {
      // Name each unknown key as its own field: the message then points at it.
      for (const key of issue.keys) {
        out.push({ path: formatPath([...issue.path, key]), message: 'unknown field' });
      }
    } else {
      out.push({ path: formatPath(issue.path), message: issue.message });
    }
  }
  return out;
}

export function describeIssues(issues: readonly FieldIssue[]): string {
  const first = issues[0];
  if (first === undefined) return 'invalid';
  const head = first.path === '' ? first.message : `${first.path}: ${first.message}`;
  return issues.length > 1 ? `${head} (and ${issues.length - 1} more)` : head;
}
