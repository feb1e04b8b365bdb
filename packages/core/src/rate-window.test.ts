import { describe, expect, it } from 'vitest';
import { RateWindow } from './rate-window.js';

const T = 1_700_000_000_000; // a whole second

describe('RateWindow', () => {
  it('is 0 before any event', () => {
    expect(new RateWindow().rate(T)).toBe(0);
  });

  it('averages events over the whole window', () => {
    const w = new RateWindow(10);
    w.add(T, 5);
    w.add(T + 500);
    w.add(T + 3200, 4);
    expect(w.rate(T + 3999)).toBe(1);
  });

  it('defaults to a 10 s window and a count of 1', () => {
    const w = new RateWindow();
    expect(w.seconds).toBe(10);
    for (let i = 0; i < 20; i++) w.add(T + i * 100);
    expect(w.rate(T + 1999)).toBe(2);
  });

  it('forgets events once their second leaves the window', () => {
    const w = new RateWindow(3);
    w.add(T, 3); // second 0
    w.add(T + 1000, 6); // second 1
    expect(w.rate(T + 2999)).toBe(3); // seconds 0..2
    expect(w.rate(T + 3000)).toBe(2); // seconds 1..3
    expect(w.rate(T + 4000)).toBe(0); // seconds 2..4
  });

  it('clears everything after a gap longer than the window', () => {
    const w = new RateWindow(5);
    for (let s = 0; s < 5; s++) w.add(T + s * 1000, 10);
    expect(w.rate(T + 4000)).toBe(10);
    w.add(T + 60_000, 5);
    expect(w.rate(T + 60_000)).toBe(1);
  });

  it('counts events from a clock that stepped back in the current second', () => {
    const w = new RateWindow(2);
    w.add(T + 5000, 2);
    w.add(T + 1000, 2);
    expect(w.rate(T + 5000)).toBe(2);
  });

  it('matches a list of timestamps under a steady stream', () => {
    const w = new RateWindow(4);
    const times: number[] = [];
    for (let t = T; t < T + 20_000; t += 250) {
      w.add(t);
      times.push(t);
      const second = Math.floor(t / 1000);
      const inWindow = times.filter((x) => Math.floor(x / 1000) > second - 4).length;
      expect(w.rate(t)).toBe(inWindow / 4);
    }
  });
});
