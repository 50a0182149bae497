import type { Command } from 'commander';
import { loadConfig } from '../config/index.js';
import { ConfigError } from '../errors.js';
import { dashboardHost, isLoopback, readRunningSinks, startMigrationStatusServer } from '../status/index.js';
import type { Output } from './output.js';
import { stopOnSignals } from './stop-signals.js';

interface DashboardOptions {
  config?: string;
  dataDir?: string;
  port: string;
  host?: string;
}

/** Beside a sink's status port (9464), so both run on one machine with the defaults. */
const defaultPort = '9465';

export function registerDashboardCommand(program: Command, output: Output): void {
  program
    .command('dashboard')
    .description('serve a live dashboard of the migration (lag, throughput, backfill by range, validation, cutover gates), /api/status and /metrics')
    .option('-c, --config <file>', 'config of the migration (default: ./tandem.yaml, else the local defaults)')
    .option('-d, --data-dir <dir>', 'data dir of the local stack (default: ./.tandem)')
    .option('--port <port>', 'port to serve on (0 = any free port)', defaultPort)
    .option('--host <address>', 'address to serve on (default 127.0.0.1); any other needs TANDEM_DASHBOARD_TOKEN')
    .addHelpText(
      'after',
      [
        '',
        'Runs until Ctrl-C or SIGTERM. The page works offline: no framework, nothing fetched from elsewhere.',
        'Beyond loopback every request needs "Authorization: Bearer $TANDEM_DASHBOARD_TOKEN"; open the page',
        'once as http://<host>:<port>/?token=<token>.',
        '',
        'Example:',
        '  $ tandem dashboard --config tandem.yaml            # then open http://127.0.0.1:9465/',
        '  $ TANDEM_DASHBOARD_TOKEN=$(openssl rand -hex 16) tandem dashboard --host 0.0.0.0 --port 8080',
      ].join('\n'),
    )
    .action(async (options: DashboardOptions) => {
      const { config } = loadConfig(options.config);
      const port = Number(options.port);
      if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new ConfigError(`--port ${options.port} is not a port number (0 to 65535)`);
      const token = process.env.TANDEM_DASHBOARD_TOKEN || undefined;
      const host = dashboardHost(options.host, token);
      const server = await startMigrationStatusServer({
        config,
        host,
        port,
        token: isLoopback(host) ? undefined : token,
        dataDir: options.dataDir,
        sinkProcesses: () => readRunningSinks(config.status),
      });
      const stop = stopOnSignals(() => output.progress('stopping the dashboard'));
      output.info(`Dashboard: ${server.url}/${isLoopback(host) ? '' : '?token=<TANDEM_DASHBOARD_TOKEN>'}   status: ${server.url}/api/status   metrics: ${server.url}/metrics`);
      try {
        await new Promise<void>((resolve) => stop.signal.addEventListener('abort', () => resolve(), { once: true }));
      } finally {
        await server.close();
        stop.dispose();
      }
    });
}
