import { existsSync, readdirSync, readFileSync } from 'node:fs';

/** Whether a child's `exited` promise settles within `ms`: false for one still running then. */
export async function exitedWithin(exited: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((done) => (timer = setTimeout(() => done(false), ms)));
  try {
    return await Promise.race([exited.then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** PIDs of live processes whose command line contains `fragment` (e.g. a stack's data dir). */
export function processesMentioning(fragment: string): number[] {
  if (!existsSync('/proc')) throw new Error('needs /proc');
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const state = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ').at(-1)?.[0];
      if (state === 'Z') continue;
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (cmdline.includes(fragment) && cmdline.includes('java')) pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

/** Whether `pid` still runs; a zombie (exited, parent not yet reaped it) does not. */
export function isRunning(pid: number): boolean {
  try {
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ').at(-1)?.[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}
