// Screenshots of every element state (light, dark, right-to-left) into test-output/screenshots/.
// Run: node --import tsx bench/elements.screenshots.ts
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';

const ORIGIN = 'http://localhost:5997';
const OUT = 'test-output/screenshots';

const { chromiumPath, chromiumArgs } = (await import(new URL('../scripts/wtr/chromium.mjs', import.meta.url).href)) as {
  chromiumPath: string;
  chromiumArgs: string[];
};
const script = (
  await build({
    entryPoints: [fileURLToPath(new URL('./elements.screenshots.page.ts', import.meta.url))],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['browser'],
    logLevel: 'silent',
  })
).outputFiles[0]!.text;

const pageHtml = (
  lang: string,
  dir: string,
) => `<!doctype html><html lang="${lang}" dir="${dir}"><head><meta charset="utf-8"><link rel="icon" href="data:,">
<style>
  body { font-family: system-ui, sans-serif; margin: 24px; background: Canvas; color: CanvasText; color-scheme: light dark; }
  .cards { display: flex; gap: 12px; } .card { border: 1px solid #8886; border-radius: 8px; padding: 12px 16px; min-width: 160px; }
  .compose { max-width: 760px; display: grid; gap: 8px; } textarea { font: inherit; padding: 8px; }
</style></head><body><script type="module" src="/shots.js"></script></body></html>`;

const shots: Array<{ state: string; scheme?: 'light' | 'dark'; lang?: string; dir?: string; size?: [number, number] }> =
  [
    { state: 'badges', size: [900, 140] },
    { state: 'badges', scheme: 'dark', size: [900, 140] },
    { state: 'manager-list' },
    { state: 'manager-list', scheme: 'dark' },
    { state: 'manager-list', lang: 'ar', dir: 'rtl' },
    { state: 'manager-list', lang: 'de' },
    { state: 'manager-preview' },
    { state: 'manager-error' },
    { state: 'manager-saving' },
    { state: 'manager-saved' },
    { state: 'manager-empty' },
    { state: 'manager-10000' },
    { state: 'ref-preview', size: [900, 460] },
    { state: 'ref-preview', scheme: 'dark', size: [900, 460] },
    { state: 'ref-preview', lang: 'ar', dir: 'rtl', size: [900, 460] },
  ];

mkdirSync(OUT, { recursive: true });
const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs, headless: true });
try {
  for (const s of shots) {
    const [width, height] = s.size ?? [1100, 820];
    const page = await browser.newPage({ viewport: { width, height }, colorScheme: s.scheme ?? 'light' });
    await page.route(`${ORIGIN}/**`, (route) => {
      const path = new URL(route.request().url()).pathname;
      if (path === '/shots.js') return route.fulfill({ contentType: 'text/javascript', body: script });
      return route.fulfill({ contentType: 'text/html', body: pageHtml(s.lang ?? 'en', s.dir ?? 'ltr') });
    });
    await page.goto(`${ORIGIN}/`);
    await page.waitForFunction(() => 'showState' in globalThis);
    await page.evaluate(
      (name) => (globalThis as unknown as { showState(n: string): Promise<void> }).showState(name),
      s.state,
    );
    const file = `${OUT}/${s.state}${s.scheme === 'dark' ? '-dark' : ''}${s.dir === 'rtl' ? '-rtl' : ''}${s.lang && s.lang !== 'en' && s.dir !== 'rtl' ? `-${s.lang}` : ''}.png`;
    await page.screenshot({ path: file });
    console.log(file);
    await page.close();
  }
} finally {
  await browser.close();
}
