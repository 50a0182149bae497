import { describe, expect, it } from 'vitest';
import { createCqlClient, nativePort } from '../../src/cql/index.js';

describe('nativePort', () => {
  it('is the first contact point port, which the driver then uses for every node it discovers', () => {
    expect(nativePort(['127.0.0.1:19042'])).toBe(19042);
    expect(nativePort(['cassandra.eu-west-1.amazonaws.com:9142'])).toBe(9142);
    expect(nativePort(['[::1]:9043'])).toBe(9043);
    expect(nativePort(['node1', 'node2:9044'])).toBe(9044);
    expect(nativePort(['node1'])).toBe(9042);
  });

  it('is set on the client, so peers of a cluster on another port are reached on it', () => {
    const client = createCqlClient({ contactPoints: ['127.0.0.1:19042'], localDataCenter: 'dc1' });
    expect((client as unknown as { options: { protocolOptions: { port: number } } }).options.protocolOptions.port).toBe(19042);
  });
});
