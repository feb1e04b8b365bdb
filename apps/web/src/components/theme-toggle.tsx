/** The header's theme switch: follow the OS (Auto), or always light or dark; remembered. */
import { useTheme } from '../hooks/use-theme.js';
import { type ThemeChoice } from '../lib/theme.js';
import { Segmented } from './segmented.js';

const OPTIONS: readonly { value: ThemeChoice; label: string }[] = [
  { value: 'system', label: 'Auto' },
  { value: 'light', label: 'Light' },
  { value: 'dark', label: 'Dark' },
];

export function ThemeToggle() {
  const { choice, setChoice } = useTheme();
  return (
    <div className="theme-toggle" data-testid="theme-toggle">
      <Segmented label="Theme" value={choice} options={OPTIONS} onChange={setChoice} />
    </div>
  );
}
