#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm run build` (run by `npm ci` through `prepare`).
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv);
// Every command has finished and shut down what it opened. Yet cassandra-driver 4.10 can leave one
// socket open after `client.shutdown()` resolved, when its node was restarted during the run (the
// control connection reconnects on a connection its pool no longer tracks); that socket alone kept a
// finished backfill alive for good. So exit once the event loop had a moment to drain; the timer is
// unref'd, so a process that ends normally never waits for it.
setTimeout(() => process.exit(), 2_000).unref();
