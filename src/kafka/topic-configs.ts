import { type Admin, ConfigResourceTypes, IncrementalAlterConfigOperationTypes } from '@platformatic/kafka';

/** A topic that keeps its records until someone deletes them: what dead letters and job logs need. */
export const keepForever = Object.freeze({ 'retention.ms': '-1', 'retention.bytes': '-1' });

/**
 * The value in force of each of `keys` for each topic: the topic's own setting, else the broker's
 * default (DescribeConfigs reports both alike). A key the broker does not report is absent.
 */
export async function describeTopicConfigs(admin: Admin, topics: readonly string[], keys: readonly string[]): Promise<Map<string, Map<string, string>>> {
  if (topics.length === 0) return new Map();
  const described = await admin.describeConfigs({
    resources: topics.map((topic) => ({ resourceType: ConfigResourceTypes.TOPIC, resourceName: topic, configurationKeys: [...keys] })),
  });
  return new Map(described.map((resource) => [resource.resourceName, new Map(resource.configs.flatMap((c): [string, string][] => (typeof c.value === 'string' ? [[c.name, c.value]] : [])))]));
}

/** Sets the topic's own `configs`, leaving its other settings as they are. */
export async function setTopicConfigs(admin: Admin, topic: string, configs: Readonly<Record<string, string>>): Promise<void> {
  await admin.incrementalAlterConfigs({
    resources: [
      {
        resourceType: ConfigResourceTypes.TOPIC,
        resourceName: topic,
        configs: Object.entries(configs).map(([name, value]) => ({ name, value, configOperation: IncrementalAlterConfigOperationTypes.SET })),
      },
    ],
  });
}
