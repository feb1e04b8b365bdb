/**
 * Turns API requests into job specs: the task and category must exist, the
 * input must match the task's schema, and defaults come from the task, then
 * the category.
 */
import {
  Errors,
  MAX_PRIORITY,
  MIN_PRIORITY,
  type EngineConfig,
  type JobRequest,
  type Json,
  type TaskConfig,
} from '@cadre/core';
import type { JobSpec } from '@cadre/store';
import type { CategorySettings } from './category-settings.js';
import { detailsOf, invalid, type Where } from './flow-plan.js';
import { InputValidator } from './input-validator.js';

export class RequestResolver {
  readonly #tasks = new Map<string, TaskConfig>();
  readonly #inputs: InputValidator;
  readonly #categories: ReadonlyMap<string, CategorySettings>;

  constructor(config: EngineConfig, categories: ReadonlyMap<string, CategorySettings>) {
    this.#categories = categories;
    for (const t of config.tasks) this.#tasks.set(t.name, t);
    this.#inputs = new InputValidator(config.tasks);
  }

  get tasks(): Iterable<TaskConfig> {
    return this.#tasks.values();
  }

  /**
   * ERR_UNKNOWN_TASK, ERR_UNKNOWN_CATEGORY or ERR_VALIDATION, with `index` and
   * `field` in `details`. `receives`: see flow-plan.ts's `Resolve`.
   */
  resolve(r: JobRequest, at: Where, now: number, receives = false): JobSpec {
    const where = (field: string) => detailsOf(at, field);
    const task = this.#tasks.get(r.task);
    if (!task) throw withDetails(Errors.unknownTask(r.task), where('task'));
    const categoryName = r.category ?? task.category ?? 'default';
    const category = this.#categories.get(categoryName);
    if (!category || category.orphaned) {
      throw withDetails(Errors.unknownCategory(categoryName), where('category'));
    }
    let runAtMs: number | null = null;
    if (r.delayMs !== undefined) runAtMs = now + r.delayMs;
    else if (r.runAt !== undefined) runAtMs = Date.parse(r.runAt);
    if (runAtMs !== null && !Number.isFinite(runAtMs)) {
      throw invalid(at, 'runAt', 'is not a valid time');
    }
    const priority = r.priority ?? 0;
    if (!(Number.isInteger(priority) && priority >= MIN_PRIORITY && priority <= MAX_PRIORITY)) {
      throw invalid(at, 'priority', `must be an integer from ${MIN_PRIORITY} to ${MAX_PRIORITY}`);
    }
    const input = r.input ?? null;
    if (!receives) this.#inputs.check(r.task, input, at);
    return {
      key: r.key ?? null,
      category: categoryName,
      task: r.task,
      input,
      maxRetries: r.maxRetries ?? task.maxRetries ?? category.config.maxRetries,
      timeoutMs: r.timeoutMs ?? task.timeoutMs ?? category.config.timeoutMs,
      priority,
      runAtMs,
    };
  }

  /** ERR_VALIDATION when `input` does not match `task`'s schema. */
  checkInput(task: string, input: Json): void {
    this.#inputs.check(task, input, null);
  }
}

function withDetails<E extends Error & { details: unknown }>(err: E, details: object): E {
  (err as { details: unknown }).details = details;
  return err;
}
