/** Generate load from the browser to watch the balancer react (like `npm run generate`). */
import type { Json, TaskView } from '@cadre/client';
import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { useDashboard } from '../hooks/use-dashboard.js';
import { formatCount } from '../lib/format.js';
import { runLoad, type LoadProgress } from '../lib/load-generator.js';
import { formFields, formInput, formValues, type FormValues } from '../lib/schema-form.js';
import { SchemaFields } from './schema-form.js';

export interface LoadPanelProps {
  categories: readonly string[];
  tasks: readonly TaskView[];
}

/** Inputs that make each demo task do something visible for a moment. */
const SAMPLE_INPUT: Record<string, string> = {
  sleep: '{ "ms": 500 }',
  fib: '{ "n": 27 }',
  flaky: '{ "failTimes": 1 }',
  echo: '{ "hello": "cadre" }',
};

/** The sample input of a demo task, as JSON (for prefilling its form). */
function sampleOf(task: string): Json | undefined {
  const text = SAMPLE_INPUT[task];
  return text === undefined ? undefined : (JSON.parse(text) as Json);
}

export function LoadPanel({ categories, tasks }: LoadPanelProps) {
  const { client, notify, fail } = useDashboard();
  const [category, setCategory] = useState('');
  const [task, setTask] = useState('');
  const [input, setInput] = useState('');
  /** What was typed in the generated form; null until the person changes a field. */
  const [typed, setTyped] = useState<FormValues | null>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [count, setCount] = useState('200');
  const [rate, setRate] = useState('50');
  const [failPct, setFailPct] = useState('0');
  const [progress, setProgress] = useState<LoadProgress | null>(null);
  const abort = useRef<AbortController | null>(null);

  const runnable = tasks.filter((t) => t.name !== 'spin');
  const chosenTask = task || (runnable.find((t) => t.name === 'sleep') ?? runnable[0])?.name || '';
  const chosenCategory = category || categories[0] || '';
  const chosenInput = input || SAMPLE_INPUT[chosenTask] || 'null';
  const schema = tasks.find((t) => t.name === chosenTask)?.inputSchema ?? null;
  const fields = useMemo(() => formFields(schema), [schema]);
  const values = typed ?? (fields ? formValues(fields, sampleOf(chosenTask)) : {});

  useEffect(() => () => abort.current?.abort(), []);

  async function start(event: FormEvent) {
    event.preventDefault();
    let parsed: unknown;
    if (fields) {
      const checked = formInput(fields, values);
      setFieldErrors(checked.ok ? {} : checked.errors);
      if (!checked.ok) {
        const [name, why] = Object.entries(checked.errors)[0]!;
        notify('error', `Load: input ${name} ${why}.`);
        return;
      }
      parsed = checked.input;
    } else {
      try {
        parsed = JSON.parse(chosenInput);
      } catch {
        notify('error', 'Load: the input is not valid JSON.');
        return;
      }
    }
    const n = Number(count);
    const perSec = Number(rate);
    const share = Number(failPct) / 100;
    if (!Number.isInteger(n) || n < 1 || n > 1_000_000) {
      notify('error', 'Load: count must be a whole number from 1 to 1,000,000.');
      return;
    }
    if (!Number.isFinite(perSec) || perSec < 0) {
      notify('error', 'Load: rate must be a number ≥ 0 (0 = as fast as possible).');
      return;
    }
    if (!(share >= 0 && share <= 1)) {
      notify('error', 'Load: failing share must be between 0 and 100 %.');
      return;
    }
    const controller = new AbortController();
    abort.current = controller;
    setProgress({ submitted: 0, total: n, done: false });
    const result = await runLoad({
      client,
      spec: {
        category: chosenCategory,
        task: chosenTask,
        input: parsed as never,
        count: n,
        ratePerSec: perSec,
        failShare: share,
      },
      signal: controller.signal,
      onProgress: setProgress,
    });
    abort.current = null;
    setProgress(null);
    if (result.error) fail('Generating load', new Error(result.error));
    else
      notify(
        'success',
        `Submitted ${formatCount(result.submitted)} ${chosenTask} job(s) to ${chosenCategory}`,
      );
  }

  const running = progress !== null;
  const pct = progress && progress.total > 0 ? (progress.submitted / progress.total) * 100 : 0;

  return (
    <section className="card load" aria-labelledby="load-title">
      <h2 id="load-title">Generate load</h2>
      <form onSubmit={start} className="load-form" noValidate>
        <label>
          <span>Category</span>
          <select
            aria-label="Load category"
            value={chosenCategory}
            onChange={(e) => setCategory(e.target.value)}
            disabled={running}
          >
            {categories.map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>
        </label>
        <label>
          <span>Task</span>
          <select
            aria-label="Load task"
            value={chosenTask}
            onChange={(e) => {
              setTask(e.target.value);
              setInput('');
              setTyped(null);
              setFieldErrors({});
            }}
            disabled={running}
          >
            {runnable.map((t) => (
              <option key={t.name}>{t.name}</option>
            ))}
          </select>
        </label>
        <label>
          <span>Count</span>
          <input
            aria-label="Load count"
            type="number"
            min="1"
            step="1"
            value={count}
            onChange={(e) => setCount(e.target.value)}
            disabled={running}
          />
        </label>
        <label>
          <span>Rate /s</span>
          <input
            aria-label="Load rate per second"
            type="number"
            min="0"
            step="any"
            value={rate}
            onChange={(e) => setRate(e.target.value)}
            disabled={running}
          />
        </label>
        <label>
          <span>Failing %</span>
          <input
            aria-label="Load failing share in percent"
            type="number"
            min="0"
            max="100"
            step="any"
            value={failPct}
            onChange={(e) => setFailPct(e.target.value)}
            disabled={running}
          />
        </label>
        {fields ? (
          <div className="wide">
            <span className="field-group">Input</span>
            <SchemaFields
              fields={fields}
              values={values}
              errors={fieldErrors}
              label="Load input"
              disabled={running}
              onChange={(name, value) => {
                setTyped({ ...values, [name]: value });
                setFieldErrors(({ [name]: _fixed, ...rest }) => rest);
              }}
            />
          </div>
        ) : (
          <label className="wide">
            <span>Input (JSON)</span>
            <input
              aria-label="Load input JSON"
              className="mono"
              value={chosenInput}
              onChange={(e) => setInput(e.target.value)}
              disabled={running}
            />
          </label>
        )}
        <div className="wide row">
          {running ? (
            <button type="button" className="danger" onClick={() => abort.current?.abort()}>
              Stop
            </button>
          ) : (
            <button type="submit" className="primary" disabled={!chosenCategory || !chosenTask}>
              Generate load
            </button>
          )}
          {progress && (
            <div
              className="progress"
              role="progressbar"
              aria-label="Load submitted"
              aria-valuemin={0}
              aria-valuemax={progress.total}
              aria-valuenow={progress.submitted}
            >
              <div style={{ width: `${pct}%` }} />
              <span>
                {formatCount(progress.submitted)} / {formatCount(progress.total)}
              </span>
            </div>
          )}
        </div>
      </form>
    </section>
  );
}
