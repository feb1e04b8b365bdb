export { createApp, type AppDeps, type AppLogger } from './app.js';
export {
  EXAMPLE_CONFIG,
  loadConfig,
  type LoadConfigOptions,
  type LoadedConfig,
} from './config/load-config.js';
export { attachLive, type CloseLive, type LiveOptions } from './live/socket-gateway.js';
export { createLogger, type LoggerOptions } from './logger.js';
export { createMetrics, type Metrics } from './metrics.js';
export { readServerEnv, type ServerEnv } from './server-env.js';
export type { GeneratorIo } from './generator/io.js';
export type { GeneratorOptions } from './generator/options.js';
export type { GeneratorReport } from './generator/report.js';
export { runGenerator, type RunDeps } from './generator/run-generator.js';
