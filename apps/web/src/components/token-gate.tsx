/**
 * Asks for the API token when the server has CADRE_TOKEN set; checks it before
 * keeping it. The read-only token (CADRE_READ_TOKEN) is entered here too: the
 * dashboard then asks the server what it may do (use-access.tsx).
 */
import { createClient } from '@cadre/client';
import { useState, type FormEvent } from 'react';
import { describeError, isUnauthorized } from '../lib/errors.js';

export function TokenGate({
  rejected,
  onToken,
}: {
  rejected: boolean;
  onToken: (token: string) => void;
}) {
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | null>(
    rejected ? 'The saved token was not accepted. Enter it again.' : null,
  );
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const token = value.trim();
    if (!token) return;
    setBusy(true);
    setError(null);
    try {
      await createClient({ url: '', token }).stats();
      onToken(token);
    } catch (err) {
      setError(isUnauthorized(err) ? 'That token was not accepted.' : describeError(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="gate">
      <form className="card gate-card" onSubmit={submit} aria-labelledby="gate-title">
        <h1 id="gate-title">cadre needs a token</h1>
        <p className="muted">
          This server was started with <code>CADRE_TOKEN</code>. Enter that token, or the read-only
          token (<code>CADRE_READ_TOKEN</code>) to look without changing anything. The token is kept
          for this browser tab only.
        </p>
        <label className="stack">
          <span>API token</span>
          <input
            type="password"
            autoComplete="current-password"
            autoFocus
            value={value}
            onChange={(e) => setValue(e.target.value)}
            aria-invalid={error !== null}
          />
        </label>
        {error && (
          <p className="inline-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy || value.trim() === ''}>
          {busy ? 'Checking…' : 'Continue'}
        </button>
      </form>
    </main>
  );
}
