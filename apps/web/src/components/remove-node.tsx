/**
 * Removing a dead node, after a confirmation in place: the first button asks,
 * the second removes. Focus goes to "Keep" when asked (the safe choice) and
 * back to "Remove…" when kept; Escape keeps.
 */
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { useDashboard } from '../hooks/use-dashboard.js';

export function RemoveNode({ name }: { name: string }) {
  const { client, notify, fail } = useDashboard();
  const [step, setStep] = useState<'idle' | 'asking' | 'removing' | 'removed'>('idle');
  const ask = useRef<HTMLButtonElement>(null);
  const keep = useRef<HTMLButtonElement>(null);
  const asked = useRef(false);

  useEffect(() => {
    if (step === 'asking') {
      asked.current = true;
      keep.current?.focus();
    } else if (step === 'idle' && asked.current) {
      asked.current = false;
      ask.current?.focus();
    }
  }, [step]);

  async function remove() {
    setStep('removing');
    try {
      await client.removeNode(name);
      // The card goes with the next snapshot.
      setStep('removed');
      notify('success', `Node ${name} removed`);
    } catch (err) {
      setStep('idle');
      fail(`Removing node ${name}`, err);
    }
  }

  function onKeyDown(event: KeyboardEvent) {
    if (event.key === 'Escape' && step === 'asking') setStep('idle');
  }

  if (step === 'idle') {
    return (
      <button
        ref={ask}
        type="button"
        className="danger"
        aria-label={`Remove node ${name}…`}
        onClick={() => setStep('asking')}
      >
        Remove…
      </button>
    );
  }
  return (
    <div className="confirm" role="group" aria-label={`Remove node ${name}?`} onKeyDown={onKeyDown}>
      <span>Remove {name} from the cluster’s list?</span>
      <button
        type="button"
        className="danger"
        disabled={step !== 'asking'}
        onClick={() => void remove()}
      >
        {step === 'asking' ? 'Remove' : step === 'removing' ? 'Removing…' : 'Removed'}
      </button>
      <button ref={keep} type="button" disabled={step !== 'asking'} onClick={() => setStep('idle')}>
        Keep
      </button>
    </div>
  );
}
