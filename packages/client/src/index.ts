export { CadreClientError, isCadreClientError } from './errors.js';
export type {
  AllocationPayload,
  ClientToServerEvents,
  ServerToClientEvents,
  SnapshotPayload,
} from './events.js';
export {
  createClient,
  type CadreClient,
  type ClientOptions,
  type JobPage,
  type ListOptions,
} from './http-client.js';
export type { AnyTasks, TaskInputOf, TaskMap, TypedJobRequest } from './typed-tasks.js';
export {
  connectLive,
  type CadreSocket,
  type ConnectionState,
  type LiveClient,
  type LiveOptions,
} from './live-client.js';
// The job state machine's vocabulary, for clients that show or steer jobs,
// the bound of a category's `concurrency` and the catch-up modes of schedules, for forms.
export {
  CATCH_UP_MODES,
  JOB_STATES,
  MAX_CONCURRENCY,
  TRANSITIONS,
  isFinished,
} from '@cadre/core';
export type {
  Allocation,
  CategoryPatch,
  CategoryView,
  Job,
  JobRequest,
  JobState,
  Json,
  NodeView,
  ObserverQuery,
  ObserverRequest,
  ObserverResult,
  ObserverView,
  RetryChanges,
  ScheduleRequest,
  ScheduleView,
  Stats,
  TaskView,
} from '@cadre/core';
