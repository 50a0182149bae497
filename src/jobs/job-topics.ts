import { ConfigError } from '../errors.js';

/** What a job does to each range: copy it (backfill) or compare it (validate). Names the job's topics. */
export const jobKinds = ['backfill', 'validate'] as const;
export type JobKind = (typeof jobKinds)[number];

/** The Kafka names of one job: range tasks, the progress log, the workers' consumer group. */
export interface JobTopics {
  readonly ranges: string;
  readonly progress: string;
  readonly group: string;
}

export function jobTopics(job: string, kind: JobKind = 'backfill'): JobTopics {
  if (!/^[A-Za-z0-9._-]{1,180}$/.test(job)) {
    throw new ConfigError(`--job ${JSON.stringify(job)} is not a valid job name`, { hint: 'Use letters, digits, dots, dashes and underscores (it names Kafka topics)' });
  }
  return { ranges: `tandem-${kind}.${job}.ranges`, progress: `tandem-${kind}.${job}.progress`, group: `tandem-${kind}.${job}` };
}

/** The job a progress log belongs to, from the log's topic name; undefined for any other topic. */
export function jobOfTopic(topic: string): { kind: JobKind; job: string } | undefined {
  const match = /^tandem-(backfill|validate)\.(.+)\.progress$/.exec(topic);
  return match ? { kind: match[1] as JobKind, job: match[2]! } : undefined;
}
