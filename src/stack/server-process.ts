import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

export interface SpawnedServer {
  readonly pid: number;
  /** Resolves with the exit code (or signal) if the process ends while this Node process runs. */
  readonly exited: Promise<string>;
}

/**
 * Starts a server detached from this process (it outlives `tandem up`), its console output appended
 * to `consoleLog`. The `marker` argument lets `down` recognise the process later by its command line.
 */
export function spawnServer(command: string, args: readonly string[], cwd: string, consoleLog: string): SpawnedServer {
  const out = openSync(consoleLog, 'a');
  try {
    const child = spawn(command, args, { cwd, detached: true, stdio: ['ignore', out, out] });
    const exited = new Promise<string>((resolve) => {
      child.once('error', (error) => resolve(`could not start: ${error.message}`));
      child.once('exit', (code, signal) => resolve(signal ? `killed by ${signal}` : `exit code ${code}`));
    });
    if (child.pid === undefined) throw new Error(`Could not start ${command}`);
    child.unref();
    return { pid: child.pid, exited };
  } finally {
    closeSync(out);
  }
}

/** True when `pid` is alive (not a zombie) and its command line holds `marker`: PIDs get reused. */
export function isOurProcess(pid: number, marker: string): boolean {
  if (!isAlive(pid)) return false;
  return commandLine(pid)?.includes(marker) ?? false;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  const stat = `/proc/${pid}/stat`;
  if (existsSync(stat)) {
    // Field 3 is the state; a zombie has exited and only waits to be reaped.
    const state = readFileSync(stat, 'utf8').split(') ').at(-1)?.[0];
    return state !== 'Z' && state !== 'X';
  }
  return true;
}

function commandLine(pid: number): string | undefined {
  try {
    const proc = `/proc/${pid}/cmdline`;
    if (existsSync(proc)) return readFileSync(proc, 'utf8').replaceAll('\0', ' ');
    return execFileSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' });
  } catch {
    return undefined;
  }
}

/**
 * Stops our process: SIGTERM, then SIGKILL after `graceMs`, and waits until it is gone.
 * Returns false when there was nothing of ours to stop.
 */
export async function stopServer(pid: number, marker: string, graceMs: number): Promise<boolean> {
  if (!isOurProcess(pid, marker)) return false;
  signal(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) {
      signal(pid, 'SIGKILL');
      await waitUntilGone(pid, 10_000);
      break;
    }
    await sleep(100);
  }
  return true;
}

async function waitUntilGone(pid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(50);
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The last lines of a log, to show why a server died. */
export function tailOf(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
