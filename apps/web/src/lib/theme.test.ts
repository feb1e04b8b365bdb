import { describe, expect, it } from 'vitest';
import { parseChoice, resolveTheme, THEME_CHOICES } from './theme.js';

describe('parseChoice', () => {
  it('keeps the known choices and makes anything else system', () => {
    for (const c of THEME_CHOICES) expect(parseChoice(c)).toBe(c);
    for (const v of [null, undefined, '', 'Light', 'blue', ' dark']) {
      expect(parseChoice(v)).toBe('system');
    }
  });
});

describe('resolveTheme', () => {
  it('follows the OS for system, and the choice otherwise', () => {
    expect(resolveTheme('system', true)).toBe('light');
    expect(resolveTheme('system', false)).toBe('dark');
    for (const os of [true, false]) {
      expect(resolveTheme('light', os)).toBe('light');
      expect(resolveTheme('dark', os)).toBe('dark');
    }
  });
});
