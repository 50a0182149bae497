import { produceV11, Reader, Writer } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';

/**
 * `@platformatic/kafka` 1.x skipped a tagged-field section as if its count were its size in bytes,
 * so any response carrying one failed to parse ("Out of bounds"). A Produce response names the
 * partition's new leader in such a field when it answers NOT_LEADER_OR_FOLLOWER, as Kafka does for
 * a topic created a moment ago; the client then sent the whole request again and every partition
 * that had taken its records the first time took them twice. `patches/` mends the reader (the fix
 * upstream is in 2.x, which needs Node 22); `npm ci` applies it through `postinstall`.
 */
describe('the Kafka client reads tagged fields', () => {
  it('parses a Produce v11 response whose partition says NOT_LEADER_OR_FOLLOWER with its current leader', () => {
    const notLeaderOrFollower = 6;
    const response = Writer.create()
      .appendArray(
        [{ name: 'user_activity', partitions: [0, 1] }],
        (w, topic) => {
          w.appendString(topic.name).appendArray(
            topic.partitions,
            (p, index) => {
              p.appendInt32(index)
                .appendInt16(index === 0 ? 0 : notLeaderOrFollower)
                .appendInt64(index === 0 ? 42n : -1n)
                .appendInt64(-1n)
                .appendInt64(0n)
                .appendArray([], () => {})
                .appendString(null);
              if (index === 0) {
                p.appendUnsignedVarInt(0);
              } else {
                // One tagged field: tag 0 (current_leader), 8 bytes of leader id and epoch.
                p.appendUnsignedVarInt(1).appendUnsignedVarInt(0).appendUnsignedVarInt(8).appendInt32(1).appendInt32(3);
              }
            },
            true,
            false,
          );
        },
      )
      .appendInt32(0)
      .appendUnsignedVarInt(0);

    let failure: unknown;
    try {
      produceV11.parseResponse(1, 0, 11, Reader.from(response.buffer));
    } catch (error) {
      failure = error;
    }
    // The partition's own error, with the first partition's offset read right: not a parse failure.
    expect(failure).toMatchObject({ response: { responses: [{ partitionResponses: [{ index: 0, baseOffset: 42n }, { index: 1, errorCode: notLeaderOrFollower }] }], throttleTimeMs: 0 } });
  });
});
