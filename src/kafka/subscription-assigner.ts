import type { GroupAssignment, GroupPartitionsAssigner, GroupPartitionsAssignments } from '@platformatic/kafka';

/**
 * Spreads each topic's partitions round-robin over the members that subscribed to that topic, and
 * over no one else, as the Java client's assignors do. @platformatic/kafka 1.35's own assigner
 * spreads the LEADER's topics over every member: a sink that joins a group in which a sink of
 * another config already runs (the default groups `tandem-sink-*` are shared by every config) got
 * partitions of a topic it does not read, and the partitions of its own topic went to no one, so
 * it wrote nothing. A topic the metadata does not hold (deleted meanwhile) is left out.
 *
 * @example
 *   new Consumer({ groupId, partitionAssigner: subscribedRoundRobinAssigner, ... });
 */
export const subscribedRoundRobinAssigner: GroupPartitionsAssigner = (_leaderId, members, _leaderTopics, metadata): GroupPartitionsAssignments[] => {
  const memberIds = [...members.keys()].sort();
  const result = new Map(memberIds.map((memberId) => [memberId, new Map<string, GroupAssignment>()]));
  const topics = [...new Set(memberIds.flatMap((id) => members.get(id)!.topics ?? []))].sort();
  // One turn counter across topics, so topics of one partition each do not all land on the first member.
  let turn = 0;
  for (const topic of topics) {
    const partitionsCount = metadata.topics.get(topic)?.partitionsCount ?? 0;
    const subscribers = memberIds.filter((id) => (members.get(id)!.topics ?? []).includes(topic));
    for (let partition = 0; partition < partitionsCount; partition++) {
      const owner = result.get(subscribers[turn++ % subscribers.length]!)!;
      let assignment = owner.get(topic);
      if (!assignment) owner.set(topic, (assignment = { topic, partitions: [] }));
      assignment.partitions.push(partition);
    }
  }
  return memberIds.map((memberId) => ({ memberId, assignments: result.get(memberId)! }));
};
