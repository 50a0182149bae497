/**
 * Runs `listener` once when `signal` aborts, or at once if it already has: a stop that came while
 * the caller was busy (joining a consumer group, say) has fired already and would never be heard
 * by a listener added after it. Returns what removes the listener.
 *
 * @example
 *   const dispose = onAbort(signal, () => void stream.close());
 *   try { for await (const message of stream) handle(message); } finally { dispose(); }
 */
export function onAbort(signal: AbortSignal, listener: () => void): () => void {
  if (signal.aborted) {
    listener();
    return () => {};
  }
  signal.addEventListener('abort', listener, { once: true });
  return () => signal.removeEventListener('abort', listener);
}
