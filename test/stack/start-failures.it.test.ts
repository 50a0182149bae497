import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultCacheDir, stopStack } from '../../src/stack/index.js';
import { processesMentioning } from '../helpers/processes.js';
import { runTandem } from '../helpers/run-cli.js';
import { scratchEnv, scratchStack, type ScratchStack } from '../helpers/stack-config.js';

const scratches: ScratchStack[] = [];
function scratch(basePort: number, stack: Record<string, unknown> = {}): ScratchStack {
  const created = scratchStack(basePort, stack);
  scratches.push(created);
  return created;
}
const scratchDir = mkdtempSync(join(tmpdir(), 'tandem-failures-'));

afterAll(async () => {
  for (const s of scratches) {
    await stopStack(s.dataDir, { graceMs: 5_000 });
    rmSync(s.dir, { recursive: true, force: true });
  }
  rmSync(scratchDir, { recursive: true, force: true });
});

/** The suite's global setup filled the real cache; failures get a copy with one jar damaged. */
function damagedCache(): string {
  const home = mkdtempSync(join(scratchDir, 'cache-'));
  const real = defaultCacheDir(process.env);
  for (const entry of readdirSync(real).filter((e) => statSync(join(real, e)).isDirectory() && !e.startsWith('.'))) {
    if (entry.startsWith('kafka-')) cpSync(join(real, entry), join(home, entry), { recursive: true });
    else symlinkSync(join(real, entry), join(home, entry));
  }
  const kafka = readdirSync(home).find((e) => e.startsWith('kafka-'))!;
  truncateSync(join(home, kafka, 'lib', readdirSync(join(home, kafka, 'lib')).find((j) => j.startsWith('kafka-clients'))!), 1000);
  return home;
}

/** Progress lines may come first; the error itself is one line that says what broke and what to do. */
function expectOneClearLine(stderr: string, ...fragments: (string | RegExp)[]) {
  const errors = stderr.split('\n').filter((line) => line.startsWith('tandem: '));
  expect(errors).toHaveLength(1);
  for (const fragment of fragments) expect(errors[0]).toMatch(fragment);
}

describe('tandem up refuses clearly and leaves nothing running', () => {
  it('when no usable Java is found', async () => {
    const s = scratch(21_000);
    const result = await runTandem(['up', '--config', s.configFile], { env: { ...scratchEnv, TANDEM_JAVA_HOME: join(scratchDir, 'no-jdk') } });
    expect(result.code).toBe(1);
    expectOneClearLine(result.stderr, /TANDEM_JAVA_HOME=.*no-jdk holds no working bin\/java/, /Point TANDEM_JAVA_HOME at a JDK 17/);
    expect(processesMentioning(s.dataDir)).toEqual([]);
  });

  it('when the cache is empty and Maven is missing', async () => {
    const s = scratch(22_000);
    const result = await runTandem(['up', '--config', s.configFile], {
      env: { ...scratchEnv, TANDEM_HOME: join(scratchDir, 'empty-cache'), TANDEM_MVN: join(scratchDir, 'no-maven', 'mvn') },
    });
    expect(result.code).toBe(1);
    expectOneClearLine(result.stderr, /mvn is not installed/, /Install Apache Maven/);
    expect(processesMentioning(s.dataDir)).toEqual([]);
  });

  it('when Maven Central refuses the download', async () => {
    const s = scratch(23_000);
    const settings = join(scratchDir, 'refusing-settings.xml');
    // A mirror nobody listens on stands in for a registry that refuses.
    writeFileSync(
      settings,
      '<settings><mirrors><mirror><id>refused</id><mirrorOf>*</mirrorOf><url>http://127.0.0.1:9/maven2</url></mirror></mirrors></settings>',
    );
    const wrapper = join(scratchDir, 'mvn-refused');
    writeFileSync(wrapper, `#!/bin/sh\nexec mvn -s ${settings} -Dmaven.repo.local=${join(scratchDir, 'empty-m2')} "$@"\n`);
    chmodSync(wrapper, 0o755);
    const home = join(scratchDir, 'refused-cache');
    const result = await runTandem(['up', '--config', s.configFile], { env: { ...scratchEnv, TANDEM_HOME: home, TANDEM_MVN: wrapper } });
    expect(result.code).toBe(1);
    expectOneClearLine(result.stderr, /Fetching kafka-4\.1\.\d+ and cassandra-5\.0\.9 from Maven Central failed: /, /Check network access to Maven Central/);
    expect(result.stderr).toContain(join(home, 'fetch.log'));
    expect(processesMentioning(s.dataDir)).toEqual([]);
  });

  it('when a port is already taken', async () => {
    const s = scratch(24_000);
    const holder: Server = createServer();
    await new Promise<void>((resolve) => holder.listen(24_042, '127.0.0.1', resolve));
    try {
      const result = await runTandem(['up', '--config', s.configFile], { env: scratchEnv });
      expect(result.code).toBe(1);
      expectOneClearLine(result.stderr, /already in use: 127\.0\.0\.1:24042 \(source CQL\)/, /Stop the process holding it/);
      expect(processesMentioning(s.dataDir)).toEqual([]);
    } finally {
      holder.close();
    }
  });

  it('when the cache is damaged and cannot be fetched again', async () => {
    const s = scratch(25_000);
    const result = await runTandem(['up', '--config', s.configFile], {
      env: { ...scratchEnv, TANDEM_HOME: damagedCache(), TANDEM_MVN: join(scratchDir, 'no-maven', 'mvn') },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/cached kafka-4\.1\.\d+ is damaged \(kafka-clients-[\d.]+\.jar has the wrong size\)/);
    expect(processesMentioning(s.dataDir)).toEqual([]);
  });

  it('when a server exits during start: names its log, stops the servers that did start', async () => {
    const s = scratch(26_000, { jvmArgs: { cassandra: ['-XX:+ThisOptionDoesNotExist'] } });
    const result = await runTandem(['up', '--config', s.configFile], { env: scratchEnv });
    expect(result.code).toBe(1);
    expectOneClearLine(result.stderr, /(source|target) Cassandra exited while starting \(exit code 1\); see .*console\.log/);
    expect(result.stderr).toContain('Unrecognized VM option');
    expect(processesMentioning(s.dataDir)).toEqual([]);
  });
});

describe('artifact cache', () => {
  it('fetches a damaged artifact again when Maven can reach the registry', async () => {
    const { ensureArtifacts } = await import('../../src/stack/artifact-cache.js');
    const { kafkaArtifact } = await import('../../src/stack/artifact-specs.js');
    const home = damagedCache();
    const damaged: string[] = [];
    const libs = await ensureArtifacts(home, [kafkaArtifact], { onDamaged: (spec, problem) => damaged.push(`${spec.id}: ${problem}`) });
    expect(damaged).toEqual([expect.stringMatching(/kafka-clients-.*has the wrong size/)]);
    const jar = readdirSync(libs.get(kafkaArtifact.id)!).find((j) => j.startsWith('kafka-clients'))!;
    expect(statSync(join(libs.get(kafkaArtifact.id)!, jar)).size).toBeGreaterThan(1_000_000);
    mkdirSync(join(home, 'unused'), { recursive: true });
  });
});
