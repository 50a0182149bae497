import { describe, expect, it } from 'vitest';
import { parseKafkaSecurity, parseSourceNodes } from '../../src/cli/stack-commands.js';
import { ConfigError } from '../../src/errors.js';

describe('tandem up --kafka-security', () => {
  it('takes listeners by name, comma-separated, or all', () => {
    expect(parseKafkaSecurity('scram')).toEqual(['scram']);
    expect(parseKafkaSecurity('tls, iam,tls')).toEqual(['tls', 'iam']);
    expect(parseKafkaSecurity('all')).toEqual(['tls', 'scram', 'iam']);
  });

  it('names what it does not know', () => {
    expect(() => parseKafkaSecurity('scram,kerberos')).toThrow(ConfigError);
    expect(() => parseKafkaSecurity('scram,kerberos')).toThrow('--kafka-security scram,kerberos: kerberos is not a listener');
    expect(() => parseKafkaSecurity(',')).toThrow('names no listener');
  });
});

describe('tandem up --source-nodes', () => {
  it('takes a node count from 1 to 5', () => {
    expect(parseSourceNodes('3')).toBe(3);
    expect(parseSourceNodes('1')).toBe(1);
  });

  it('refuses anything else, naming the flag', () => {
    for (const text of ['0', '6', 'three', '2.5', '']) {
      expect(() => parseSourceNodes(text)).toThrow(`--source-nodes ${text} is not a node count from 1 to 5`);
    }
  });
});
