/**
 * Waits `ms`, or rejects as soon as `signal` aborts, with `aborted()` (by default the signal's
 * reason). Long backoffs and paces must not hold a stopping process.
 *
 * @example
 *   await abortableDelay(backoffMs(attempt), signal);
 */
export function abortableDelay(ms: number, signal: AbortSignal, aborted: () => unknown = () => signal.reason): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(aborted());
    if (ms <= 0) return resolve();
    const onAbort = () => {
      clearTimeout(timer);
      reject(aborted());
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
