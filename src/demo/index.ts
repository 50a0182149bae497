export { runMigrationDemo, demoKeyspace, demoTable, type DemoOptions, type DemoReport, type DestinationReport } from './migration-demo.js';
