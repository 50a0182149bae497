import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ToolMissingError } from '../errors.js';

const run = promisify(execFile);

export interface Java {
  /** Path of the `java` executable. */
  readonly bin: string;
  readonly major: number;
}

/** Cassandra 5.0 runs on Java 11 or 17; Kafka 4 brokers need 17 or newer: 17 serves both. */
const requiredJavaMajor = 17;

/**
 * Finds a Java 17 runtime: $TANDEM_JAVA_HOME (only that, when set), else $JAVA_HOME, `java` on the PATH, then the JDKs under
 * /usr/lib/jvm (Debian) and /Library/Java/JavaVirtualMachines (macOS).
 */
export async function findJava(env: NodeJS.ProcessEnv = process.env): Promise<Java> {
  if (env.TANDEM_JAVA_HOME) {
    // An explicit choice is used or refused, never silently replaced by another JDK.
    const bin = join(env.TANDEM_JAVA_HOME, 'bin', 'java');
    const major = existsSync(bin) ? await javaMajor(bin) : undefined;
    if (major === requiredJavaMajor) return { bin, major };
    throw new ToolMissingError(
      major === undefined ? `TANDEM_JAVA_HOME=${env.TANDEM_JAVA_HOME} holds no working bin/java` : `TANDEM_JAVA_HOME=${env.TANDEM_JAVA_HOME} is Java ${major}, not ${requiredJavaMajor}`,
      { hint: `Point TANDEM_JAVA_HOME at a JDK ${requiredJavaMajor}, or unset it to let tandem look for one` },
    );
  }
  const candidates: string[] = [];
  if (env.JAVA_HOME) candidates.push(join(env.JAVA_HOME, 'bin', 'java'));
  candidates.push('java');
  for (const root of ['/usr/lib/jvm', '/Library/Java/JavaVirtualMachines']) {
    if (!existsSync(root)) continue;
    for (const entry of readdirSync(root).sort()) {
      candidates.push(join(root, entry, 'bin', 'java'), join(root, entry, 'Contents', 'Home', 'bin', 'java'));
    }
  }
  const seen: string[] = [];
  for (const bin of candidates) {
    if (bin.includes('/') && !existsSync(bin)) continue;
    const major = await javaMajor(bin);
    if (major === undefined) continue;
    if (major === requiredJavaMajor) return { bin, major };
    seen.push(`${bin} (Java ${major})`);
  }
  throw new ToolMissingError(
    seen.length === 0 ? 'No Java runtime found' : `No Java ${requiredJavaMajor} runtime found; saw ${seen.join(', ')}`,
    { hint: `Install a JDK ${requiredJavaMajor} (e.g. apt-get install openjdk-17-jdk-headless) or set TANDEM_JAVA_HOME to one` },
  );
}

async function javaMajor(bin: string): Promise<number | undefined> {
  try {
    const { stderr, stdout } = await run(bin, ['-version'], { timeout: 15_000 });
    const match = /version "(\d+)(?:\.(\d+))?/.exec(stderr + stdout);
    if (!match) return undefined;
    // Java 8 and older report "1.8.0_x".
    return match[1] === '1' ? Number(match[2]) : Number(match[1]);
  } catch {
    return undefined;
  }
}

/** Checks that a command exists by running it with a harmless argument. */
export async function requireTool(command: string, versionArgs: string[], installHint: string): Promise<string> {
  try {
    const { stdout, stderr } = await run(command, versionArgs, { timeout: 30_000 });
    return (stdout || stderr).trim().split('\n')[0] ?? '';
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new ToolMissingError(missing ? `${command} is not installed` : `${command} does not run: ${(error as Error).message}`, {
      cause: error,
      hint: installHint,
    });
  }
}
