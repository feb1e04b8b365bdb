import { describe, expect, it } from 'vitest';
import { planRedis } from './local-redis.js';

describe('planRedis', () => {
  it("uses the machine's Redis when it answers PING", () => {
    expect(planRedis('+PONG')).toBe('use');
  });

  it('starts one when nothing answers, or the answer is an error', () => {
    expect(planRedis(null)).toBe('start');
    expect(planRedis('-NOAUTH Authentication required.')).toBe('start');
    expect(planRedis('-LOADING Redis is loading the dataset in memory')).toBe('start');
  });
});
