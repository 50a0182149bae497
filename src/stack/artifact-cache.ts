import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CacheCorruptError, FetchFailedError } from '../errors.js';
import type { ArtifactSpec } from './artifact-specs.js';
import { requireTool } from './tools.js';

const dependencyPlugin = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1';

interface Manifest {
  id: string;
  files: { name: string; size: number }[];
}

export interface ArtifactCacheEvents {
  onFetchStart?(specs: readonly ArtifactSpec[], cacheDir: string): void;
  onDamaged?(spec: ArtifactSpec, problem: string): void;
}

/**
 * Makes sure each artifact's jars are in `cacheDir/<id>/lib` and returns those folders by id. A
 * complete fetch ends with a manifest (names and sizes); a folder without one, or whose jars no
 * longer match it, is fetched again. Nothing touches the network when the cache is complete.
 */
export async function ensureArtifacts(
  cacheDir: string,
  specs: readonly ArtifactSpec[],
  events: ArtifactCacheEvents = {},
): Promise<Map<string, string>> {
  const missing: ArtifactSpec[] = [];
  const damaged = new Map<string, string>();
  for (const spec of specs) {
    const problem = checkCached(cacheDir, spec);
    if (problem === undefined) continue;
    if (problem !== 'absent') {
      damaged.set(spec.id, problem);
      events.onDamaged?.(spec, problem);
    }
    missing.push(spec);
  }
  if (missing.length > 0) {
    events.onFetchStart?.(missing, cacheDir);
    try {
      await fetchWithMaven(cacheDir, missing);
    } catch (error) {
      const broken = missing.filter((spec) => damaged.has(spec.id));
      if (broken.length === 0) throw error;
      throw new CacheCorruptError(
        `The cached ${broken.map((s) => `${s.id} (${damaged.get(s.id)})`).join(', ')} is damaged and fetching it again failed: ${(error as Error).message}`,
        { cause: error, hint: `Restore network access to Maven Central, or delete ${cacheDir} and run again` },
      );
    }
    for (const spec of missing) {
      const problem = checkCached(cacheDir, spec);
      if (problem !== undefined) {
        throw new CacheCorruptError(`Fetched ${spec.id} but the cache still fails its check: ${problem}`, {
          hint: `Delete ${join(cacheDir, spec.id)} and run again`,
        });
      }
    }
  }
  return new Map(specs.map((spec) => [spec.id, join(cacheDir, spec.id, 'lib')]));
}

/** `undefined` when the artifact is complete, `absent` when never fetched, else what is wrong. */
export function checkCached(cacheDir: string, spec: ArtifactSpec): string | undefined {
  const manifestFile = join(cacheDir, spec.id, 'manifest.json');
  if (!existsSync(manifestFile)) return 'absent';
  let manifest: Manifest;
  try {
    manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Manifest;
    if (!Array.isArray(manifest.files) || manifest.files.length === 0) return 'manifest lists no files';
  } catch {
    return 'manifest.json is unreadable';
  }
  const lib = join(cacheDir, spec.id, 'lib');
  for (const file of manifest.files) {
    const path = join(lib, file.name);
    if (!existsSync(path)) return `${file.name} is missing`;
    if (statSync(path).size !== file.size) return `${file.name} has the wrong size`;
  }
  return undefined;
}

/**
 * One Maven reactor run with a module per artifact, so each artifact's dependencies are resolved on
 * their own (Kafka's and Cassandra's versions of shared libraries must not be merged) while Maven
 * starts only once.
 */
async function fetchWithMaven(cacheDir: string, specs: readonly ArtifactSpec[]): Promise<void> {
  const mvn = process.env.TANDEM_MVN ?? 'mvn';
  await requireTool(mvn, ['--version'], 'Install Apache Maven (e.g. apt-get install maven) or set TANDEM_MVN; it fetches Kafka and Cassandra once');
  mkdirSync(cacheDir, { recursive: true });
  const workDir = join(cacheDir, `.fetch-${process.pid}`);
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  writeFileSync(join(workDir, 'pom.xml'), reactorPom(specs));
  for (const spec of specs) {
    mkdirSync(join(workDir, spec.id), { recursive: true });
    writeFileSync(join(workDir, spec.id, 'pom.xml'), modulePom(spec));
  }
  const logFile = join(cacheDir, 'fetch.log');
  const exitCode = await runLogged(mvn, ['-B', '-T', '2', '-f', join(workDir, 'pom.xml'), `${dependencyPlugin}:copy-dependencies`], logFile);
  if (exitCode !== 0) {
    throw new FetchFailedError(`Fetching ${specs.map((s) => s.id).join(' and ')} from Maven Central failed: ${firstMavenError(logFile)}`, {
      hint: `Check network access to Maven Central (or the mirror in ~/.m2/settings.xml); Maven's output is in ${logFile}`,
    });
  }
  for (const spec of specs) {
    const target = join(cacheDir, spec.id);
    rmSync(target, { recursive: true, force: true });
    mkdirSync(target, { recursive: true });
    renameSync(join(workDir, spec.id, 'lib'), join(target, 'lib'));
    const files = readdirSync(join(target, 'lib'))
      .filter((name) => name.endsWith('.jar'))
      .sort()
      .map((name) => ({ name, size: statSync(join(target, 'lib', name)).size }));
    // Written last: its presence is what marks the artifact complete.
    writeFileSync(join(target, 'manifest.json'), JSON.stringify({ id: spec.id, files } satisfies Manifest, null, 2));
  }
  rmSync(workDir, { recursive: true, force: true });
}

function runLogged(command: string, args: string[], logFile: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const log = createWriteStream(logFile);
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    child.on('error', reject);
    child.on('close', (code) => log.end(() => resolve(code ?? 1)));
  });
}

function firstMavenError(logFile: string): string {
  const lines = readFileSync(logFile, 'utf8').split('\n');
  const error = lines.find((line) => line.startsWith('[ERROR]') && line.length > 10);
  return (error ?? lines.filter(Boolean).at(-1) ?? 'Maven exited with an error').replace(/^\[ERROR\]\s*/, '').slice(0, 400);
}

function reactorPom(specs: readonly ArtifactSpec[]): string {
  return `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.tandem.stack</groupId>
  <artifactId>fetch</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <modules>
${specs.map((s) => `    <module>${s.id}</module>`).join('\n')}
  </modules>
</project>
`;
}

function modulePom(spec: ArtifactSpec): string {
  const [pluginGroup, pluginArtifact, pluginVersion] = dependencyPlugin.split(':');
  return `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.tandem.stack</groupId>
  <artifactId>${spec.id}</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
${spec.dependencies
  .map((d) => `    <dependency><groupId>${d.groupId}</groupId><artifactId>${d.artifactId}</artifactId><version>${d.version}</version></dependency>`)
  .join('\n')}
  </dependencies>
  <build>
    <plugins>
      <plugin>
        <groupId>${pluginGroup}</groupId>
        <artifactId>${pluginArtifact}</artifactId>
        <version>${pluginVersion}</version>
        <configuration>
          <includeScope>runtime</includeScope>
          <outputDirectory>\${project.basedir}/lib</outputDirectory>
        </configuration>
      </plugin>
    </plugins>
  </build>
</project>
`;
}
