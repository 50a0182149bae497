import { describe, expect, it } from 'vitest';
import { parseKafkaSecurity } from '../../src/cli/stack-commands.js';
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
