import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ToolMissingError } from '../errors.js';
import { kafkaVersion } from './artifact-specs.js';
import { mskIamValidatorClass } from './kafka-config.js';
import type { Java } from './tools.js';

const run = promisify(execFile);

/** Two folders up from src/stack (under tsx) and from dist/stack alike. */
export const mskIamValidatorSource = fileURLToPath(new URL('../../resources/kafka/MskIamTokenValidator.java', import.meta.url));

/**
 * Compiles the IAM listener's validator against the cached Kafka jars with the JDK that runs the
 * servers, once per source, Kafka and Java version: the classes are cached under
 * `<cacheDir>/kafka-plugins/<hash>/classes`. Returns that folder, for the broker's classpath.
 */
export async function ensureMskIamValidator(java: Java, kafkaLibDir: string, cacheDir: string): Promise<string> {
  const source = readFileSync(mskIamValidatorSource);
  const hash = createHash('sha256').update(source).update(`\0kafka ${kafkaVersion}\0java ${java.major}`).digest('hex').slice(0, 16);
  const home = join(cacheDir, 'kafka-plugins', hash);
  const classes = join(home, 'classes');
  if (existsSync(join(classes, `${mskIamValidatorClass.replaceAll('.', '/')}.class`))) return classes;

  // Built aside and renamed into place, so an interrupted compile never passes for a finished one.
  rmSync(home, { recursive: true, force: true });
  const building = `${home}.building-${process.pid}`;
  rmSync(building, { recursive: true, force: true });
  mkdirSync(join(building, 'src'), { recursive: true });
  const sourceCopy = join(building, 'src', basename(mskIamValidatorSource));
  writeFileSync(sourceCopy, source);
  const javac = java.bin.includes('/') ? join(dirname(java.bin), 'javac') : 'javac';
  try {
    await run(javac, ['--release', String(java.major), '-nowarn', '-cp', join(kafkaLibDir, '*'), '-d', join(building, 'classes'), sourceCopy], { timeout: 120_000 });
  } catch (error) {
    rmSync(building, { recursive: true, force: true });
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    const output = `${(error as { stderr?: string }).stderr ?? ''}`.trim();
    throw new ToolMissingError(
      missing ? `${javac} is not there: the Kafka IAM listener's validator is compiled at \`tandem up\`, which needs a JDK, not just a JRE` : `${javac} could not compile ${mskIamValidatorSource}: ${output.split('\n')[0] ?? (error as Error).message}`,
      { cause: error, hint: `Install a JDK ${java.major} (e.g. apt-get install openjdk-${java.major}-jdk-headless), or leave iam out of stack.kafkaSecurity` },
    );
  }
  try {
    renameSync(building, home);
  } catch (error) {
    // Another `up` finished the same build first: its classes are as good as these.
    rmSync(building, { recursive: true, force: true });
    if (!existsSync(classes)) throw error;
  }
  return classes;
}
