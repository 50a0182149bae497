import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StackStateError } from '../errors.js';
import type { KafkaListenerInfo } from './kafka-security.js';
import type { ServerName } from './stack-spec.js';

export interface ServerRecord {
  readonly name: ServerName;
  readonly pid: number;
  /** A command-line argument only this server has, so a reused PID is never taken for it. */
  readonly marker: string;
  readonly address: string;
  readonly logFile: string;
  readonly startedAt: string;
  readonly version?: string;
  readonly ready: boolean;
}

export interface StackState {
  readonly dataDir: string;
  readonly caFile: string;
  /** Absent in files written before Kafka had secured listeners. */
  readonly kafkaListeners?: readonly KafkaListenerInfo[];
  readonly servers: Partial<Record<ServerName, ServerRecord>>;
}

export function stateFile(dataDir: string): string {
  return join(dataDir, 'stack.json');
}

export function readState(dataDir: string): StackState | undefined {
  const file = stateFile(dataDir);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as StackState;
  } catch (error) {
    throw new StackStateError(`The stack state file ${file} is unreadable`, {
      cause: error,
      hint: 'Stop any servers it listed by hand, then delete it',
    });
  }
}

/** Written through a rename so a crash never leaves half a file. */
export function writeState(state: StackState): void {
  const file = stateFile(state.dataDir);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

export function removeState(dataDir: string): void {
  rmSync(stateFile(dataDir), { force: true });
}
