// Debian's Chromium driven by playwright-core, for end-to-end tests and browser benchmarks.
import { chromium } from 'playwright-core';
import { chromiumArgs, chromiumPath } from '../../scripts/wtr/chromium.mjs';

/** A fresh headless browser (its own empty profile). */
export function launchChromium(options = {}) {
  return chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs, ...options });
}
