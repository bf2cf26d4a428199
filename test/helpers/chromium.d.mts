import type { Browser, LaunchOptions } from 'playwright-core';

/** A fresh headless Debian Chromium (its own empty profile), driven by playwright-core. */
export function launchChromium(options?: LaunchOptions): Promise<Browser>;
