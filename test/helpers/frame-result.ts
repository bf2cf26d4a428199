// Pages with their own Content-Security-Policy (a <meta> in the page) run in an iframe, since the
// test page itself cannot take one; the page script publishes a promise of its findings on window.

/** Loads `url` in an iframe, waits for `window[key]` and returns what it resolves to. */
export async function frameResult<T>(url: URL, key: string, options: { waitMs?: number } = {}): Promise<T> {
  const frame = document.createElement('iframe');
  frame.src = url.href;
  frame.style.inlineSize = '1000px';
  frame.style.blockSize = '800px';
  document.body.append(frame);
  try {
    await new Promise((r) => frame.addEventListener('load', r, { once: true }));
    const win = frame.contentWindow as unknown as Record<string, Promise<T> | undefined>;
    const deadline = Date.now() + (options.waitMs ?? 10_000);
    while (!win[key] && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    if (!win[key]) throw new Error(`${url.pathname} never set window.${key}: its script did not run`);
    return await win[key]!;
  } finally {
    frame.remove();
  }
}
