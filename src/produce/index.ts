export { produceJsonLines, prepareLine, type ProduceOptions, type ProduceResult, type LineProblem } from './json-lines-producer.js';
export { MicrosecondClock } from './microsecond-clock.js';
