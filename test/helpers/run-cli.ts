import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

const bin = resolve(import.meta.dirname, '..', '..', 'bin', 'tandem.js');

/** Runs the built `tandem` binary the way a user does; `npm test` builds it first. */
export function runTandem(
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolvePromise) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { cwd: options.cwd, env: { ...process.env, ...options.env }, timeout: options.timeoutMs ?? 240_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolvePromise({ code, stdout, stderr });
      },
    );
  });
}

/** A long-running `tandem` command (a sink, a dashboard) started as a user starts it, with its stderr kept. */
export interface TandemProcess {
  readonly child: ChildProcess;
  /** Everything it wrote to stderr (its log) so far. */
  readonly stderr: () => string;
  /** Everything it wrote to stdout (its results) so far. */
  readonly stdout: () => string;
  /** Its exit code, once it exited. */
  readonly exited: Promise<number | null>;
}

const started = new Set<ChildProcess>();

/** Starts `tandem args`; `killStartedTandems` in an `afterAll` ends whatever is left running. */
export function spawnTandem(args: readonly string[], options: { env?: NodeJS.ProcessEnv } = {}): TandemProcess {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } });
  started.add(child);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let stdout = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  void exited.then(() => started.delete(child));
  return { child, stderr: () => stderr, stdout: () => stdout, exited };
}

export function killStartedTandems(): void {
  for (const child of started) child.kill('SIGKILL');
  started.clear();
}
