export { registerSinkMetrics, delayBucketsSeconds, type LagReader } from './sink-metrics.js';
export { startStatusServer, isLoopback, type StatusServer, type StatusServerOptions } from './http-server.js';
export { readRunningSinks, type RunningSink } from './running-sinks.js';
