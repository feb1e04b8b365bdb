/**
 * The colour theme: the viewer's choice ('system' follows the OS's
 * prefers-color-scheme) and the theme it comes to. public/theme-init.js
 * applies the same rule before the first paint; keep the two in step.
 */
export const THEME_CHOICES = ['system', 'light', 'dark'] as const;
export type ThemeChoice = (typeof THEME_CHOICES)[number];
export type Theme = 'light' | 'dark';

/** The localStorage key of the choice (theme-init.js reads it too). */
export const THEME_KEY = 'cadre.theme';

/** A stored value as a choice: anything unknown (or nothing) is 'system'. */
export function parseChoice(stored: string | null | undefined): ThemeChoice {
  return (THEME_CHOICES as readonly string[]).includes(stored ?? '')
    ? (stored as ThemeChoice)
    : 'system';
}

export function resolveTheme(choice: ThemeChoice, osPrefersLight: boolean): Theme {
  if (choice === 'system') return osPrefersLight ? 'light' : 'dark';
  return choice;
}
