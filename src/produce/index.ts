export { produceJsonLines, prepareLine, linesOf, type ProduceOptions, type ProduceResult, type LineProblem } from './json-lines-producer.js';
export { MicrosecondClock } from './microsecond-clock.js';
