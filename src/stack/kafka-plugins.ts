import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ToolMissingError } from '../errors.js';
import { kafkaVersion } from './artifact-specs.js';
import type { Java } from './tools.js';

const run = promisify(execFile);

/**
 * The broker plugins' Java sources: the IAM listener's token validator and the SCRAM listener's
 * lenient SASL server. Two folders up from src/stack (under tsx) and from dist/stack alike.
 */
export const kafkaPluginsSourceDir = fileURLToPath(new URL('../../resources/kafka/', import.meta.url));

/** Every .java file in `dir`, by name, so the cache key does not depend on the listing's order. */
export function kafkaPluginSources(dir: string = kafkaPluginsSourceDir): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.java'))
    .sort();
}

/** The cache key: every source's name and content, and the Kafka and Java versions compiled against. */
export function kafkaPluginsHash(sources: readonly { name: string; content: Buffer | string }[], javaMajor: number): string {
  const hash = createHash('sha256');
  for (const { name, content } of sources) hash.update(`${name}\0${Buffer.byteLength(content)}\0`).update(content);
  return hash.update(`\0kafka ${kafkaVersion}\0java ${javaMajor}`).digest('hex').slice(0, 16);
}

/**
 * Compiles every .java in resources/kafka against the cached Kafka jars with the JDK that runs the
 * servers, once per set of sources, Kafka and Java version: the classes are cached under
 * `<cacheDir>/kafka-plugins/<hash>/classes`. Returns that folder, for the broker's classpath.
 */
export async function ensureKafkaPlugins(java: Java, kafkaLibDir: string, cacheDir: string, sourceDir: string = kafkaPluginsSourceDir): Promise<string> {
  const sources = kafkaPluginSources(sourceDir).map((name) => ({ name, content: readFileSync(join(sourceDir, name)) }));
  const home = join(cacheDir, 'kafka-plugins', kafkaPluginsHash(sources, java.major));
  const classes = join(home, 'classes');
  // The folder appears only by the rename below, after a whole compile.
  if (existsSync(classes)) return classes;

  // Built aside and renamed into place, so an interrupted compile never passes for a finished one.
  rmSync(home, { recursive: true, force: true });
  const building = `${home}.building-${process.pid}`;
  rmSync(building, { recursive: true, force: true });
  mkdirSync(join(building, 'src'), { recursive: true });
  const sourceCopies = sources.map(({ name, content }) => {
    const copy = join(building, 'src', name);
    writeFileSync(copy, content);
    return copy;
  });
  const javac = java.bin.includes('/') ? join(dirname(java.bin), 'javac') : 'javac';
  try {
    await run(javac, ['--release', String(java.major), '-nowarn', '-cp', join(kafkaLibDir, '*'), '-d', join(building, 'classes'), ...sourceCopies], { timeout: 120_000 });
  } catch (error) {
    rmSync(building, { recursive: true, force: true });
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    const output = `${(error as { stderr?: string }).stderr ?? ''}`.trim();
    throw new ToolMissingError(
      missing
        ? `${javac} is not there: the Kafka listeners' plugins (IAM token validator, SCRAM server) are compiled at \`tandem up\`, which needs a JDK, not just a JRE`
        : `${javac} could not compile the Kafka plugins in ${sourceDir}: ${output.split('\n').find((line) => line.trim()) ?? (error as Error).message}`,
      { cause: error, hint: `Install a JDK ${java.major} (e.g. apt-get install openjdk-${java.major}-jdk-headless), or leave iam and scram out of stack.kafkaSecurity` },
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
