/**
 * The theme in force, shared by the header's toggle and the charts (uPlot
 * draws on canvas, so it reads the colours from the CSS variables and draws
 * again when the theme changes). The choice is remembered in localStorage;
 * 'system' follows the OS live.
 */
import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
  type ReactNode,
} from 'react';
import {
  parseChoice,
  resolveTheme,
  THEME_KEY,
  type Theme,
  type ThemeChoice,
} from '../lib/theme.js';

export interface ThemeState {
  choice: ThemeChoice;
  theme: Theme;
  setChoice(choice: ThemeChoice): void;
}

const QUERY = '(prefers-color-scheme: light)';

const ThemeContext = createContext<ThemeState>({
  choice: 'system',
  theme: 'dark',
  setChoice: () => undefined,
});

export function useTheme(): ThemeState {
  return useContext(ThemeContext);
}

function storedChoice(): ThemeChoice {
  try {
    return parseChoice(localStorage.getItem(THEME_KEY));
  } catch {
    return 'system';
  }
}

function osPrefersLight(): boolean {
  return typeof matchMedia === 'function' && matchMedia(QUERY).matches;
}

export function ThemeProvider({ children }: { children: ReactNode }) {
  const [choice, setChoiceState] = useState(storedChoice);
  const [prefersLight, setPrefersLight] = useState(osPrefersLight);
  const theme = resolveTheme(choice, prefersLight);
  const choiceRef = useRef(choice);

  // The attribute changes before the state does: the charts, re-rendered by
  // the new state, read the new theme's variables (their effects run before
  // this provider's).
  useEffect(() => {
    if (typeof matchMedia !== 'function') return;
    const media = matchMedia(QUERY);
    const onChange = () => {
      applyTheme(resolveTheme(choiceRef.current, media.matches));
      setPrefersLight(media.matches);
    };
    media.addEventListener('change', onChange);
    return () => media.removeEventListener('change', onChange);
  }, []);

  useEffect(() => {
    applyTheme(theme);
  }, [theme]);

  const setChoice = useCallback((next: ThemeChoice) => {
    choiceRef.current = next;
    applyTheme(resolveTheme(next, osPrefersLight()));
    setChoiceState(next);
    try {
      if (next === 'system') localStorage.removeItem(THEME_KEY);
      else localStorage.setItem(THEME_KEY, next);
    } catch {
      // Storage disabled: the choice lasts until the page is left.
    }
  }, []);

  const value = useMemo(() => ({ choice, theme, setChoice }), [choice, theme, setChoice]);
  return <ThemeContext.Provider value={value}>{children}</ThemeContext.Provider>;
}

function applyTheme(theme: Theme): void {
  document.documentElement.dataset.theme = theme;
}

/** A CSS variable's value as the page has it now (for canvas drawing). */
export function cssVar(name: string, fallback: string): string {
  if (typeof getComputedStyle !== 'function') return fallback;
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}
