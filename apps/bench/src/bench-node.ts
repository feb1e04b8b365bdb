/**
 * How the benches that read back many retained jobs open a backend: one node
 * named `bench`, no queue limits, and every job kept (30 days, 10,000,000).
 */
import type { OpenOptions } from '@cadre/store';

export const KEEP_EVERYTHING: Omit<OpenOptions, 'now'> = {
  node: { name: 'bench', tags: [], workers: 1 },
  limits: {
    maxQueuedTotal: null,
    maxQueued: {},
    retention: {
      maxAgeMs: 30 * 86_400_000,
      maxCount: 10_000_000,
      failed: { maxAgeMs: 30 * 86_400_000, maxCount: 10_000_000 },
    },
  },
  nodeTimeoutMs: 30_000,
};
