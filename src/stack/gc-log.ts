import { join } from 'node:path';

/**
 * The JVM option that logs every garbage-collection pause to `<logDir>/gc.log` (three files of
 * 10 MB at most, rotated by the JVM). A latency tail on this stack lines up with a server's pauses
 * more often than with anything else (a Cassandra young pause of 30-50 ms every few seconds at
 * 5,000 writes/s), and without this file there is no way to tell afterwards. The name is quoted,
 * as a colon in a data dir's path would otherwise end it.
 */
export function gcLogOption(logDir: string): string {
  return `-Xlog:gc:file="${join(logDir, 'gc.log')}":time,uptime:filecount=3,filesize=10m`;
}
