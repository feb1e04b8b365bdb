export {
  createPostgresBackend,
  PostgresBackend,
  type PostgresBackendOptions,
} from './postgres-backend.js';
export type { Logger } from './logger.js';
export { startThrowawayPostgres, type ThrowawayPostgres } from './throwaway-server.js';
export {
  adminQuery,
  createScratchDatabase,
  redactUrl,
  type ScratchDatabase,
} from './scratch-database.js';
