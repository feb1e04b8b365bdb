/**
 * "Retry with edited input…": the job's input in a form generated from its
 * task's schema (or as JSON when a form cannot show it), sent with
 * POST /api/jobs/:id/retry `{ input }`. The server checks it again: its 400
 * (with the path inside the input) is shown here.
 */
import type { Job, Json } from '@cadre/client';
import { useMemo, useState, type FormEvent, type RefObject } from 'react';
import { useDashboard } from '../hooks/use-dashboard.js';
import { describeError, isUnauthorized } from '../lib/errors.js';
import { formFields, formInput, formValues } from '../lib/schema-form.js';
import { SchemaFields } from './schema-form.js';

export interface RetryEditorProps {
  job: Job;
  /** The task's input schema, if it has one. */
  schema: unknown;
  /** The detail's count of watched updates, read when the request goes out. */
  watched: RefObject<number>;
  /** `watchedBefore`: the count when the request went out. */
  onRetried: (job: Job, watchedBefore: number) => void;
  onClose: () => void;
}

export function RetryEditor({ job, schema, watched, onRetried, onClose }: RetryEditorProps) {
  const { client, notify, fail } = useDashboard();
  const fields = useMemo(() => formFields(schema), [schema]);
  const [values, setValues] = useState(() => (fields ? formValues(fields, job.input) : {}));
  const [text, setText] = useState(() => JSON.stringify(job.input, null, 2) ?? 'null');
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    let input: Json;
    if (fields) {
      const checked = formInput(fields, values, job.input);
      setFieldErrors(checked.ok ? {} : checked.errors);
      if (!checked.ok) {
        setError('Fix the marked fields first.');
        return;
      }
      input = checked.input;
    } else {
      try {
        input = JSON.parse(text) as Json;
      } catch (err) {
        setError(`The input is not valid JSON: ${(err as Error).message}`);
        return;
      }
    }
    setBusy(true);
    setError(null);
    const before = watched.current;
    try {
      const next = await client.retry(job.id, { input });
      notify('success', `Job ${job.id} queued again with the edited input`);
      onRetried(next, before);
    } catch (err) {
      if (isUnauthorized(err)) fail('Retrying the job', err);
      else setError(describeError(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form
      className="retry-editor"
      aria-label="Retry with edited input"
      onSubmit={(e) => void submit(e)}
      noValidate
    >
      <h3>Retry with edited input</h3>
      {fields ? (
        <SchemaFields
          fields={fields}
          values={values}
          errors={fieldErrors}
          label="Retry input"
          disabled={busy}
          onChange={(name, value) => {
            setValues((v) => ({ ...v, [name]: value }));
            setFieldErrors(({ [name]: _fixed, ...rest }) => rest);
          }}
        />
      ) : (
        <label>
          <span>Input (JSON)</span>
          <textarea
            aria-label="Retry input JSON"
            className="mono"
            rows={6}
            spellCheck={false}
            value={text}
            disabled={busy}
            onChange={(e) => setText(e.target.value)}
          />
        </label>
      )}
      {error && (
        <p className="inline-error" role="alert">
          {error}
        </p>
      )}
      <div className="row">
        <button type="submit" className="primary" disabled={busy}>
          Retry with this input
        </button>
        <button type="button" onClick={onClose} disabled={busy}>
          Cancel
        </button>
      </div>
    </form>
  );
}
