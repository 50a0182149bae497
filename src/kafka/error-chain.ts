/** The first error, depth first through `cause` and `errors` (the client nests both), that passes `test`. */
export function findInErrorChain(error: unknown, test: (error: { code?: unknown }) => boolean, depth = 0): object | undefined {
  if (typeof error !== 'object' || error === null || depth > 6) return undefined;
  if (test(error as { code?: unknown })) return error;
  const { cause, errors } = error as { cause?: unknown; errors?: unknown };
  const inCause = findInErrorChain(cause, test, depth + 1);
  if (inCause) return inCause;
  if (!Array.isArray(errors)) return undefined;
  for (const inner of errors) {
    const found = findInErrorChain(inner, test, depth + 1);
    if (found) return found;
  }
  return undefined;
}
