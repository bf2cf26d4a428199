// Opens a real Chromium page (Debian's /usr/bin/chromium, the test runner's flags) on a
// secure-context origin whose files are served from memory, with a CDP session for the browser
// features plain page scripts cannot reach (e.g. a storage quota override).
import { build } from 'esbuild';
import { chromium, type Browser, type CDPSession, type Page } from 'playwright-core';

export const PAGE_ORIGIN = 'http://localhost:5997'; // intercepted, never dialled; localhost is a secure context

export interface ChromiumPage {
  browser: Browser;
  page: Page;
  cdp: CDPSession;
  close(): Promise<void>;
}

/** Bundles `source` (TypeScript, imports resolved from the repository root) and opens it in Chromium. */
export async function openChromiumPage(
  source: string,
  beforeLoad?: (cdp: CDPSession) => Promise<void>,
): Promise<ChromiumPage> {
  const flags = (await import(new URL('../../../scripts/wtr/chromium.mjs', import.meta.url).href)) as {
    chromiumPath: string;
    chromiumArgs: string[];
  };
  const out = await build({
    stdin: { contents: source, resolveDir: new URL('../../../', import.meta.url).pathname, loader: 'ts' },
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    logLevel: 'silent',
  });
  const script = out.outputFiles[0]!.text;
  const browser = await chromium.launch({
    executablePath: flags.chromiumPath,
    args: flags.chromiumArgs,
    headless: true,
  });
  const page = await browser.newPage();
  await page.route(`${PAGE_ORIGIN}/**`, (route) =>
    route.request().url().endsWith('/page.js')
      ? route.fulfill({ contentType: 'text/javascript', body: script })
      : route.fulfill({
          contentType: 'text/html',
          body: '<!doctype html><link rel="icon" href="data:,"><script type="module" src="/page.js"></script>',
        }),
  );
  const cdp = await page.context().newCDPSession(page);
  await beforeLoad?.(cdp);
  await page.goto(`${PAGE_ORIGIN}/`);
  await page.waitForFunction(() => (globalThis as { pageReady?: boolean }).pageReady === true);
  return { browser, page, cdp, close: () => browser.close() };
}
