import { ConfigError } from '../errors.js';

/** A whole-number option between `min` and `max`, or an error naming the option. */
export function wholeNumber(name: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) throw new ConfigError(`${name} ${text} is not a whole number from ${min} to ${max}`);
  return value;
}

/** An ISO-8601 time option as milliseconds since the epoch, or an error naming the option. */
export function timeOption(name: string, text: string): number {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new ConfigError(`${name} ${text} is not a time`, { hint: 'Use ISO-8601, e.g. 2026-11-20T09:00:00Z' });
  return ms;
}
