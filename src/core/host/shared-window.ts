/**
 * Calls made within `windowMs` of the first share one run of `run`, started only after all of
 * them asked, so each caller still gets an answer fetched after its call. A dozen badges
 * refreshing on the same event then cost the host one request instead of a dozen.
 */
export function sharedWindow<T>(run: () => Promise<T>, windowMs = 10): () => Promise<T> {
  let batch: Promise<T> | undefined;
  return () =>
    (batch ??= new Promise<void>((r) => setTimeout(r, windowMs)).then(() => {
      batch = undefined;
      return run();
    }));
}
