import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { kafkaPluginSources, kafkaPluginsHash } from '../../src/stack/kafka-plugins.js';

describe('kafka plugins', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-plugins-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('compile every Java source in resources/kafka: the IAM validator and the lenient SCRAM server with its provider', () => {
    expect(kafkaPluginSources()).toEqual(['LenientScramProvider.java', 'LenientScramSaslServer.java', 'MskIamTokenValidator.java']);
  });

  it('list only .java files, by name', () => {
    for (const name of ['b.java', 'a.java', 'notes.md']) writeFileSync(join(dir, name), name);
    expect(kafkaPluginSources(dir)).toEqual(['a.java', 'b.java']);
  });

  it('are cached under a key that changes with any source, its name, or the Java version', () => {
    const sources = [
      { name: 'A.java', content: 'class A {}' },
      { name: 'B.java', content: 'class B {}' },
    ];
    const key = kafkaPluginsHash(sources, 17);
    expect(key).toMatch(/^[0-9a-f]{16}$/);
    expect(kafkaPluginsHash(sources.map((source) => ({ ...source })), 17)).toBe(key);
    expect(kafkaPluginsHash([sources[0]!, { name: 'B.java', content: 'class B { }' }], 17)).not.toBe(key);
    expect(kafkaPluginsHash([sources[0]!, { name: 'C.java', content: 'class B {}' }], 17)).not.toBe(key);
    expect(kafkaPluginsHash([sources[0]!], 17)).not.toBe(key);
    // A name and content boundary that moves does not give the same key.
    expect(kafkaPluginsHash([{ name: 'A.javaclass A {}', content: '' }, sources[1]!], 17)).not.toBe(key);
    expect(kafkaPluginsHash(sources, 21)).not.toBe(key);
  });
});
