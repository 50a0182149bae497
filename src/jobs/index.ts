export { JobLog, planRanges, rangeTopicPartitions, type PlanRecord, type DoneRecord, type ResultRecord, type RangeTask } from './job-log.js';
export { jobKinds, jobOfTopic, jobTopics, type JobKind, type JobTopics } from './job-topics.js';
export { planOrJoin, type PlanOrJoinOptions } from './plan-or-join.js';
export { runRangeTasks, workerName, type DoneFields, type RangeTaskWorkerOptions } from './range-task-worker.js';
export { retryRangeRead, windowSlot, type RangeSlot } from './range-slot.js';
