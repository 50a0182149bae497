import { readPartitionSlices, type OffsetClients } from '../kafka/index.js';
import { jobOfTopic } from '../jobs/index.js';
import { BackfillProgressFold, ValidationProgressFold, type BackfillJobStatus, type ValidationJobStatus } from './job-progress.js';

export interface JobsProgress {
  readonly backfill: BackfillJobStatus[];
  readonly validation: ValidationJobStatus[];
}

interface FoldedLog {
  readonly fold: BackfillProgressFold | ValidationProgressFold;
  /** Next offset to read. */
  next: bigint;
}

/**
 * Every backfill and validation job in Kafka, from their one-partition progress topics. Each log
 * is read from its earliest offset once and then only from where the last read ended, so a
 * dashboard polling every second reads just the records written since.
 */
export class JobProgressReader {
  private readonly logs = new Map<string, FoldedLog>();

  constructor(private readonly clients: OffsetClients) {}

  /** `topics`: the cluster's topics; those that are not job progress logs are ignored. */
  async read(topics: Iterable<string>): Promise<JobsProgress> {
    const progressTopics = [...topics].filter((t) => jobOfTopic(t));
    if (progressTopics.length > 0) await this.catchUp(progressTopics);
    const backfill: BackfillJobStatus[] = [];
    const validation: ValidationJobStatus[] = [];
    for (const topic of progressTopics) {
      const { fold } = this.logs.get(topic)!;
      if (fold instanceof BackfillProgressFold) {
        const status = fold.status();
        if (status) backfill.push(status);
      } else {
        const status = fold.status();
        if (status) validation.push(status);
      }
    }
    return { backfill, validation };
  }

  private async catchUp(topics: readonly string[]): Promise<void> {
    const [earliest, ends] = await Promise.all([
      this.clients.consumer.listOffsets({ topics: [...topics], timestamp: -2n }),
      this.clients.consumer.listOffsets({ topics: [...topics] }),
    ]);
    const slices = topics.map((topic) => {
      const first = earliest.get(topic)?.[0] ?? 0n;
      const end = ends.get(topic)?.[0] ?? 0n;
      let log = this.logs.get(topic);
      // A log that shrank was deleted and created again, one that lost its start expired: fold it afresh.
      if (!log || end < log.next || first > log.next) {
        const { kind, job } = jobOfTopic(topic)!;
        log = { fold: kind === 'backfill' ? new BackfillProgressFold(job) : new ValidationProgressFold(job), next: first };
        this.logs.set(topic, log);
      }
      return { topic, partition: 0, from: log.next, to: end };
    });
    const records = await readPartitionSlices(this.clients.consumer, slices);
    for (const record of records) this.logs.get(record.topic)!.fold.apply(record.value, record.timestampMs);
    for (const slice of slices) this.logs.get(slice.topic)!.next = slice.to;
    for (const topic of this.logs.keys()) if (!topics.includes(topic)) this.logs.delete(topic);
  }
}
