export { registerSinkMetrics, delayBucketsSeconds, delaySummaries, quantileUpperBound, type LagReader, type DelaySummary } from './sink-metrics.js';
export { startStatusServer, isLoopback, type StatusServer, type StatusServerOptions } from './http-server.js';
export { readRunningSinks, type RunningSink } from './running-sinks.js';
export { serveSinkStatus } from './serve-sink-status.js';
