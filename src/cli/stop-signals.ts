/** A command's way to stop: the first SIGTERM or Ctrl-C asks it to finish; a second one exits at once. */
export interface StopSignals {
  readonly signal: AbortSignal;
  /** Stops listening, once the command is done. */
  dispose(): void;
}

/**
 * Aborts `signal` on the first SIGTERM or SIGINT (after telling `onStop` which one), and exits
 * with 130 on the next, for someone who will not wait for the graceful stop.
 *
 * @example
 *   const stop = stopOnSignals(() => output.progress('stopping...'));
 *   try { await work(stop.signal); } finally { stop.dispose(); }
 */
export function stopOnSignals(onStop?: (signal: NodeJS.Signals) => void): StopSignals {
  const controller = new AbortController();
  let received = 0;
  const handle = (name: NodeJS.Signals) => {
    received += 1;
    if (received > 1) process.exit(130);
    onStop?.(name);
    controller.abort();
  };
  process.on('SIGTERM', handle);
  process.on('SIGINT', handle);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGTERM', handle);
      process.off('SIGINT', handle);
    },
  };
}
