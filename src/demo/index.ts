export { runMigrationDemo, demoKeyspace, demoTable, type DemoOptions, type DemoReport, type DestinationReport, type ReadinessGate } from './migration-demo.js';
