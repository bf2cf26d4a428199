// Polling for a condition in tests that cannot await an event for it.
/** Wait until `check` returns a truthy value (polling), or fail after `ms`. */
export async function until<T>(check: () => T | Promise<T>, what: string, ms = 4000): Promise<T> {
  const end = performance.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (performance.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
