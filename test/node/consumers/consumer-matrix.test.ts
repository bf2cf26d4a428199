// The packed package in the bundlers adopters use, with no configuration for scp-ledger:
// Vite (dev server and production build), webpack 5, esbuild, plain Rollup and Next.js (App
// Router: server render + client component). Each fixture installs its pinned bundler from the
// npm registry, builds the shared app against the tarball, and is driven in Chromium.
// Timings and sizes go to test-output/consumers.json.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../../helpers/chromium.mjs';
import { buildAndPack } from '../dist/packed-package.js';
import { drive } from './drive.js';
import { build, install, serveStatic, serveWith, workerKB, type Served } from './fixtures.js';

interface Fixture {
  /** Folder under test/consumers. */
  dir: string;
  /** One row of the matrix per way the app is served. */
  modes: { name: string; build: boolean; serve(dir: string): Promise<Served> }[];
  /** Where the build writes its JavaScript (for the Worker's size). */
  out?: string;
}

// Longest first: two run at once, and the slow builds (Next.js, webpack) should not end up in one lane.
const ALL: Fixture[] = [
  {
    dir: 'next',
    modes: [
      {
        name: 'next',
        build: true,
        serve: (d) => serveWith(d, 'node_modules/next/dist/bin/next', ['start', '-H', '127.0.0.1', '-p', '{port}']),
      },
    ],
    out: '.next/static',
  },
  {
    dir: 'webpack',
    modes: [{ name: 'webpack', build: true, serve: (d) => serveStatic(join(d, 'dist')) }],
    out: 'dist',
  },
  {
    dir: 'vite',
    modes: [
      {
        name: 'vite dev',
        build: false,
        serve: (d) =>
          serveWith(d, 'node_modules/vite/bin/vite.js', ['--host', '127.0.0.1', '--port', '{port}', '--strictPort']),
      },
      { name: 'vite build', build: true, serve: (d) => serveStatic(join(d, 'dist')) },
    ],
    out: 'dist',
  },
  {
    dir: 'esbuild',
    modes: [{ name: 'esbuild', build: true, serve: (d) => serveStatic(join(d, 'dist')) }],
    out: 'dist',
  },
  { dir: 'rollup', modes: [{ name: 'rollup', build: true, serve: (d) => serveStatic(join(d, 'dist')) }], out: 'dist' },
];

// SCP_CONSUMERS=vite,next runs only those fixtures (while working on one).
const only = process.env.SCP_CONSUMERS?.split(',').filter(Boolean);
const FIXTURES = only ? ALL.filter((f) => only.includes(f.dir)) : ALL;

/** Runs `jobs` with at most `limit` at once (the machine has two cores). */
async function pool<T>(limit: number, jobs: (() => Promise<T>)[]): Promise<PromiseSettledResult<T>[]> {
  const results: PromiseSettledResult<T>[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < jobs.length) {
        const i = next++;
        try {
          results[i] = { status: 'fulfilled', value: await jobs[i]!() };
        } catch (reason) {
          results[i] = { status: 'rejected', reason };
        }
      }
    }),
  );
  return results;
}

describe('consumer matrix: the packed package in Vite, webpack, esbuild, Rollup and Next.js', {
  timeout: 30 * 60_000,
}, () => {
  let tmp: string;
  let browser: Browser;
  const report: Record<string, unknown> = {};
  /** Per mode, the outcome of install + build + drive (all run in before(), two at a time). */
  const outcome = new Map<string, PromiseSettledResult<unknown>>();

  before(
    async () => {
      tmp = mkdtempSync(join(tmpdir(), 'scp-consumers-'));
      const { packed } = await buildAndPack(tmp);
      await import('node:fs/promises').then((fs) => fs.copyFile(packed.tarball, join(tmp, 'scp-ledger.tgz')));
      browser = await launchChromium();
      const jobs = FIXTURES.map((f) => async () => {
        const t0 = performance.now();
        const installed = await install(tmp, f.dir);
        let buildMs = 0;
        for (const mode of f.modes) {
          const key = mode.name;
          try {
            if (mode.build && !buildMs) buildMs = await build(installed.dir);
            const served = await mode.serve(installed.dir);
            try {
              const r = await drive(browser, served.url);
              report[key] = {
                installS: +(installed.installMs / 1000).toFixed(1),
                buildS: mode.build ? +(buildMs / 1000).toFixed(1) : 0,
                installToPassS: +((performance.now() - t0) / 1000).toFixed(1),
                // A dev server serves unminified modules: its sizes say nothing about an app's.
                ...(mode.build && {
                  entryKBgz: r.entryKB,
                  workerKBgz: f.out ? await workerKB(join(installed.dir, f.out)) : r.workerKB,
                }),
              };
              outcome.set(key, { status: 'fulfilled', value: r });
            } finally {
              await served.stop();
            }
          } catch (reason) {
            outcome.set(key, { status: 'rejected', reason });
          }
        }
      });
      const settled = await pool(2, jobs);
      settled.forEach((s, i) => {
        if (s.status === 'rejected')
          for (const m of FIXTURES[i]!.modes) if (!outcome.has(m.name)) outcome.set(m.name, s);
      });
      mkdirSync('test-output', { recursive: true });
      writeFileSync('test-output/consumers.json', JSON.stringify(report, null, 2));
      console.log(`consumer matrix: ${JSON.stringify(report)}`);
    },
    { timeout: 30 * 60_000 },
  );

  after(async () => {
    await browser?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  for (const f of FIXTURES) {
    for (const mode of f.modes) {
      it(`${mode.name}: two scans, save one, audit log, @audit: autocomplete, preview, verify, reload`, () => {
        const o = outcome.get(mode.name);
        assert.ok(o, `${mode.name} ran`);
        if (o.status === 'rejected') throw o.reason;
      });
    }
  }
});
