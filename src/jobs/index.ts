export { JobLog, jobTopics, planRanges, rangeTopicPartitions, type JobKind, type JobTopics, type PlanRecord, type DoneRecord, type ResultRecord, type RangeTask } from './job-log.js';
export { planOrJoin, type PlanOrJoinOptions } from './plan-or-join.js';
export { runRangeTasks, workerName, type DoneFields, type RangeTaskWorkerOptions } from './range-task-worker.js';
