/** The fields of a form generated from a task's input schema (see lib/schema-form.ts). */
import { boundsHint, type FormField, type FormValues } from '../lib/schema-form.js';

export interface SchemaFieldsProps {
  fields: readonly FormField[];
  values: FormValues;
  errors: Record<string, string>;
  onChange: (name: string, value: string) => void;
  /** Starts each field's accessible name: '<label> ms'. */
  label: string;
  disabled?: boolean;
}

export function SchemaFields({
  fields,
  values,
  errors,
  onChange,
  label,
  disabled = false,
}: SchemaFieldsProps) {
  return (
    <fieldset className="schema-form" disabled={disabled}>
      {fields.map((f) => {
        const id = `${label}-${f.name}`.replace(/\W+/g, '-');
        const error = errors[f.name];
        const common = {
          id,
          'aria-label': `${label} ${f.name}`,
          'aria-required': f.required,
          'aria-invalid': error !== undefined,
          'aria-describedby': error !== undefined ? `${id}-error` : undefined,
          title: f.description ?? undefined,
          value: values[f.name] ?? '',
        };
        return (
          <label key={f.name} className={f.kind === 'string' ? 'wide' : undefined}>
            <span>
              {f.name}
              {f.required && (
                <abbr className="required" title="required">
                  *
                </abbr>
              )}
            </span>
            {f.kind === 'enum' || f.kind === 'boolean' ? (
              <select {...common} onChange={(e) => onChange(f.name, e.target.value)}>
                {(!f.required || values[f.name] === '') && <option value="">—</option>}
                {f.options.map((o) => (
                  <option key={JSON.stringify(o)} value={JSON.stringify(o)}>
                    {String(o)}
                  </option>
                ))}
              </select>
            ) : (
              <input
                {...common}
                className={f.kind === 'string' ? undefined : 'mono'}
                type={f.kind === 'string' ? 'text' : 'number'}
                inputMode={f.kind === 'integer' ? 'numeric' : undefined}
                step={f.kind === 'integer' ? 1 : 'any'}
                min={f.minimum ?? undefined}
                max={f.maximum ?? undefined}
                placeholder={boundsHint(f)}
                onChange={(e) => onChange(f.name, e.target.value)}
              />
            )}
            {error !== undefined && (
              <small id={`${id}-error`} className="field-error">
                {error}
              </small>
            )}
          </label>
        );
      })}
    </fieldset>
  );
}
