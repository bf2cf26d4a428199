// Every fenced code block in README.md, exercised for real against the packed package: TypeScript
// compiled with esbuild and run in Node or Chromium with `scp-ledger/*` resolved through the
// tarball's exports map, the HTML page served next to node_modules/scp-ledger, the CLI lines run
// in a temp git repository. Each block has a check that asserts its effect; a block without a
// check (or a check whose block is gone) fails the suite.
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { AddressInfo } from 'node:net';
import { transform } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../../helpers/chromium.mjs';
import { startGitServer } from '../../helpers/git-server.mjs';
import { tempRepo } from '../../helpers/temp-repo.js';
import { buildAndPack, root, startStaticServer, watchProblems, type Packed } from '../dist/packed-package.js';
import { readmeBlocks, readmeLinks, shellLines, type ReadmeBlock } from './readme-blocks.js';
import type { ScpClient } from '../../../src/core/client.js';

/** What the README pages leave on `window`: the snippets' client and the page scripts' stand-ins. */
type PageGlobals = {
  /** The client a `<scp-*>` element was given (in host mode it also has the host's event stream). */
  __client: ScpClient & { events: { ready(): Promise<void> } };
  __scp: ScpClient;
  scanResult: unknown;
  deployCalls: number;
};

const README = readFileSync(join(root, 'README.md'), 'utf8');
const blocks = readmeBlocks(README);
const pkgJson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const TOUR_IMAGE = 'docs/tour.png';
const STEP = { timeout: 90_000 };

/** Shared by the checks: the packed package, one Chromium, a bundler-free dev server over the app. */
interface Env {
  packed: Packed;
  browser: Browser;
  devUrl: string;
  tmp: string;
}

/** The placeholders a README snippet leaves to its reader, and what the check puts in their place. */
function substitute(code: string, replacements: Record<string, string>): string {
  for (const [placeholder, value] of Object.entries(replacements)) {
    assert.ok(code.includes(placeholder), `the snippet still contains its placeholder ${placeholder}`);
    code = code.split(placeholder).join(value);
  }
  return code;
}

async function compileTs(code: string, target: 'browser' | 'node'): Promise<string> {
  const out = await transform(code, {
    loader: 'ts',
    format: 'esm',
    target: target === 'node' ? 'node20' : 'es2022',
    sourcefile: 'README.md',
  });
  return out.code;
}

/** Asks the nearest `provideScpClient` for its client (the Context Community Protocol) and keeps it on `window.__client`. */
async function exposeProvidedClient(page: Page, from: string): Promise<void> {
  await page.evaluate(
    (selector) =>
      new Promise<void>((resolve, reject) => {
        const el = document.querySelector(selector)!;
        const ev = new Event('context-request', { bubbles: true, composed: true }) as Event & Record<string, unknown>;
        ev.context = Symbol.for('scp-ledger.client');
        ev.contextTarget = el;
        ev.subscribe = false;
        ev.callback = (client: unknown) => {
          (window as unknown as PageGlobals).__client = client as PageGlobals['__client'];
          resolve();
        };
        el.dispatchEvent(ev);
        setTimeout(() => reject(new Error(`no client provided above ${selector}`)), 5_000);
      }),
    from,
  );
}

const badgeCount = (page: Page, card: string) =>
  page.evaluate((c) => {
    const b = document.querySelector(`scp-audit-badge[card="${c}"]`)!;
    return b.hasAttribute('empty') ? 0 : Number(b.shadowRoot!.querySelector('[part="count"]')!.textContent!.trim());
  }, card);

const waitBadge = (page: Page, card: string, count: number) =>
  page.waitForFunction(
    ({ c, n }) => {
      const b = document.querySelector(`scp-audit-badge[card="${c}"]`);
      if (!b?.shadowRoot) return false;
      return n === 0
        ? b.hasAttribute('empty')
        : !b.hasAttribute('empty') && b.shadowRoot.querySelector('[part="count"]')?.textContent?.trim() === String(n);
    },
    { c: card, n: count },
  );

const managerRows = (page: Page) =>
  page.evaluate(() => document.querySelector('scp-audit-manager')!.shadowRoot!.querySelectorAll('.row').length);

/**
 * Runs a shell line in `cwd` with `bin` first on PATH. Asynchronous: the git server the line may
 * talk to runs in this process.
 */
function sh(line: string, cwd: string, bin: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runProcess('bash', ['-c', line], cwd, { PATH: `${bin}:${dirname(process.execPath)}:${process.env.PATH}` });
}

function runProcess(
  cmd: string,
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, CI: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b) => {
      stdout += b;
    });
    child.stderr.on('data', (b) => {
      stderr += b;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const runIdIn = (text: string) => /@run:(run_[A-Za-z0-9_.-]+)/.exec(text)?.[1];

interface Check {
  does: string;
  check(block: ReadmeBlock, env: Env): Promise<void>;
}

const checks: Record<string, Check> = {
  'scp-ledger › sh': {
    does: 'npm ci has a lockfile in sync with package.json, npm start serves the playground at the printed /demo/ URL, npm test runs the Node suites then the Chromium suites',
    async check(block) {
      const lines = shellLines(block.code);
      const commands = lines.flatMap((l) =>
        l.command.split('&&').map((c) => ({ command: c.trim(), comment: l.comment })),
      );
      assert.deepEqual(
        commands.map((c) => c.command),
        ['npm ci', 'npm start', 'npm test'],
      );
      // npm ci: npm's own check that package-lock.json is in sync with package.json (offline, installs nothing).
      const ci = await runProcess('npm', ['ci', '--dry-run', '--offline', '--ignore-scripts'], root);
      assert.equal(ci.code, 0, `npm ci would refuse: ${ci.stderr}`);
      assert.doesNotMatch(ci.stderr, /not in sync|missing from lock/i);

      // npm start: the comment's URL; the port is the script's default, the rest is what it serves.
      const url = new URL(/https?:\/\/\S+/.exec(commands[1]!.comment)![0]);
      assert.match(pkgJson.scripts.start!, /^node demo\/serve\.mjs$/);
      const serve = readFileSync(join(root, 'demo/serve.mjs'), 'utf8');
      assert.equal(
        /process\.env\.PORT \?\? (\d+)/.exec(serve)?.[1],
        url.port,
        'the README port is the start script default',
      );
      const child = spawn('npm', ['start'], {
        cwd: root,
        env: { ...process.env, PORT: '0' },
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      try {
        const printed = await new Promise<string>((resolve, reject) => {
          let out = '';
          child.stdout!.on('data', (b) => {
            out += b;
            const m = /playground: (http:\/\/\S+)/.exec(out);
            if (m) resolve(m[1]!);
          });
          child.on('exit', (code) => reject(new Error(`npm start exited ${code}: ${out}`)));
          setTimeout(() => reject(new Error(`npm start printed no URL: ${out}`)), 30_000);
        });
        const served = new URL(printed);
        assert.equal(served.hostname, url.hostname);
        assert.equal(served.pathname, url.pathname);
        const res = await fetch(served);
        assert.equal(res.status, 200);
        const html = await res.text();
        for (const tag of ['scp-audit-manager', 'scp-ref-autocomplete', 'scp-ref-preview', 'scp-audit-log'])
          assert.ok(html.includes(`<${tag}`), `the playground page has <${tag}>`);
        // Its script is served compiled, and so is the dashboard module it mounts (the cards and their badges).
        const main = await fetch(new URL('main.ts', served));
        assert.equal(main.status, 200);
        assert.match(await main.text(), /mountDashboard\(/);
        const dashboard = await fetch(new URL('dashboard.ts', served));
        assert.equal(dashboard.status, 200);
        assert.match(await dashboard.text(), /scp-audit-badge/);
      } finally {
        process.kill(-child.pid!, 'SIGTERM');
      }

      // npm test: every Node suite, then the Chromium suites, on Debian's Chromium by default.
      assert.equal(pkgJson.scripts.test, 'node scripts/test-all.mjs');
      const all = readFileSync(join(root, 'scripts/test-all.mjs'), 'utf8');
      const nodeAt = all.indexOf("'scripts/test-node.mjs'");
      const browserAt = all.indexOf('@web/test-runner/dist/bin.js');
      assert.ok(nodeAt > 0 && browserAt > nodeAt, 'test-all runs the Node suites first, then the browser suites');
      const chromium = readFileSync(join(root, 'scripts/wtr/chromium.mjs'), 'utf8');
      const path = /\(needs (\S+)\)/.exec(commands[2]!.comment)?.[1];
      assert.ok(path && chromium.includes(`|| '${path}'`), `${path} is the default Chromium`);
    },
  },

  'Script tag (no build step) › html': {
    does: 'as a plain page beside node_modules: defines every element, a staged scan shows on the badge, the badge opens the manager, Save writes to the git ledger chunk, @audit: picks and previews the audit',
    async check(block, { packed, browser }) {
      const page_ = join(packed.app, 'readme-script-tag.html');
      writeFileSync(page_, `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,">\n${block.code}`);
      const tags = [...new Set([...block.code.matchAll(/<(scp-[a-z-]+)/g)].map((m) => m[1]!))];
      assert.deepEqual(tags.sort(), [
        'scp-audit-badge',
        'scp-audit-manager',
        'scp-ref-autocomplete',
        'scp-ref-preview',
      ]);
      const server = await startStaticServer(packed.app);
      const context = await browser.newContext();
      const page = await context.newPage();
      page.setDefaultTimeout(20_000);
      const problems = watchProblems(page);
      try {
        await page.goto(`${server.url}/readme-script-tag.html`);
        await page.waitForFunction(
          (t) =>
            t.every(
              (tag) => customElements.get(tag) && document.querySelector(tag) instanceof customElements.get(tag)!,
            ),
          tags,
        );
        await exposeProvidedClient(page, 'h3');
        assert.equal(await badgeCount(page, 'security'), 0, 'the badge is hidden at zero');
        const gitChunkLoaded = () =>
          page.evaluate(() =>
            performance
              .getEntriesByType('resource')
              .some((e) => /\/dist\/cdn\/scp-ledger-worker-ledger-[^/]*\.js$/.test(e.name)),
          );
        assert.equal(await gitChunkLoaded(), false, 'the git chunk is not loaded before the first ledger call');

        const id = await page.evaluate(
          async () =>
            (
              (await (window as unknown as PageGlobals).__client.staging.stage(
                'security',
                { findings: [{ id: 'CVE-2026-0002', severity: 'medium' }] },
                { status: 'ok', summary: '1 medium finding · Score 88' },
              )) as { snapshot: { snapshot_id: string } }
            ).snapshot.snapshot_id,
        );
        await waitBadge(page, 'security', 1);

        await page.locator('scp-audit-badge[card="security"] [part="base"]').click();
        await page.locator('scp-audit-manager dialog[open]').waitFor();
        await page.waitForFunction(
          () => document.querySelector('scp-audit-manager')!.shadowRoot!.querySelectorAll('.row').length === 1,
        );
        assert.equal(await page.evaluate(() => document.querySelector('scp-audit-manager')!.card), 'security');
        await page.locator('scp-audit-manager footer button.primary').click();
        await page.waitForFunction(
          () => document.querySelector('scp-audit-manager')!.shadowRoot!.querySelectorAll('.row').length === 0,
        );
        await waitBadge(page, 'security', 0);
        const saved = await page.evaluate(
          async (i) => await (window as unknown as PageGlobals).__client.ledger.getAudit(i),
          id,
        );
        assert.equal(saved?.snapshot_id, id, 'Save wrote the audit to the ledger');
        assert.equal(saved?.saved_by, 'alex', 'saved by the actor the snippet names');
        assert.equal(await gitChunkLoaded(), true, 'the git chunk loaded for the save');
        await page.keyboard.press('Escape');
        await page.locator('scp-audit-manager dialog[open]').waitFor({ state: 'detached' });

        await page.locator('#compose').click();
        await page.keyboard.type('Fixed in @audit:');
        const ref = `@audit:${id}`;
        await page.waitForFunction(
          (r) =>
            (document.querySelector('scp-ref-autocomplete')?.suggestions ?? []).some(
              (s: { ref: string }) => s.ref === r,
            ),
          ref,
        );
        const index = await page.evaluate(
          (r) =>
            document.querySelector('scp-ref-autocomplete')!.suggestions.findIndex((s: { ref: string }) => s.ref === r),
          ref,
        );
        await page.locator(`scp-ref-autocomplete [role="option"][data-index="${index}"]`).click();
        assert.match(await page.locator('#compose').inputValue(), new RegExp(`^Fixed in ${ref}\\b`));
        const card = page.locator('scp-ref-preview [part~="card"][data-state="ready"]');
        await card.waitFor();
        assert.equal((await card.locator('.title').textContent())?.trim(), 'Security Posture', 'the card label');
        assert.equal((await card.locator('[part="summary"]').textContent())?.trim(), '1 medium finding · Score 88');
        assert.equal((await card.locator('[part="id"]').textContent())?.trim(), ref);
        assert.deepEqual(problems, [], 'no console or page errors');
      } finally {
        await context.close();
        await server.close();
      }
    },
  },

  'npm, framework-free › ts': {
    does: 'in Chromium through the exports map: registers only the badge and the manager, stages the scan with its status, duration and summary (the badge counts it), runs deploy() once inside the recorded deploy run, whose step event is kept',
    async check(block, { packed, browser, devUrl }) {
      // What the snippet leaves to its page: the signed-in user, a scan result and a deploy function.
      const js = await compileTs(block.code, 'browser');
      writeFileSync(join(packed.app, 'readme-npm.js'), `${js}\nwindow.__scp = scp;\n`);
      writeFileSync(
        join(packed.app, 'readme-npm.html'),
        `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,">
        <h3>Security <scp-audit-badge card="security"></scp-audit-badge></h3>
        <scp-audit-manager></scp-audit-manager>
        <script>
          window.currentUser = { name: 'sam' };
          window.scanResult = { findings: [{ id: 'CVE-2026-0003', severity: 'low' }, { id: 'CVE-2026-0004', severity: 'high' }, { id: 'GHSA-x', severity: 'low' }], score: 78 };
          window.deployCalls = 0;
          window.deploy = async () => { window.deployCalls++; return { rollout: 'complete' }; };
        </script>
        <script type="module" src="./readme-npm.js"></script>`,
      );
      const context = await browser.newContext();
      const page = await context.newPage();
      page.setDefaultTimeout(30_000);
      const problems = watchProblems(page);
      try {
        await page.goto(`${devUrl}/readme-npm.html`);
        await page
          .waitForFunction(() => (window as unknown as PageGlobals).__scp)
          .catch((e) => {
            throw new Error(`the snippet did not finish: ${problems.join('; ') || e.message}`);
          });
        const defined = await page.evaluate(() =>
          [
            'scp-audit-badge',
            'scp-audit-manager',
            'scp-run-badge',
            'scp-ref-preview',
            'scp-ref-autocomplete',
            'scp-audit-log',
          ].filter((t) => customElements.get(t)),
        );
        assert.deepEqual(
          defined,
          ['scp-audit-badge', 'scp-audit-manager'],
          'only the two imported registration files define elements',
        );

        const staged = await page.evaluate(async () => {
          const scp = (window as unknown as PageGlobals).__scp;
          const list = await scp.staging.list();
          const full = await scp.staging.get(list[0]!.snapshot_id);
          return {
            count: list.length,
            card: full.card_key,
            status: full.status,
            duration: full.duration_s,
            summary: full.summary,
            data: full.data,
          };
        });
        assert.deepEqual(staged, {
          count: 1,
          card: 'security',
          status: 'ok',
          duration: 1.2,
          summary: '3 issues · Score 78',
          data: await page.evaluate(() => (window as unknown as PageGlobals).scanResult),
        });
        await waitBadge(page, 'security', 1);

        const run = await page.evaluate(async () => {
          const scp = (window as unknown as PageGlobals).__scp;
          await scp.runs.flush();
          const { entries } = await scp.ledger.list({ kind: 'run' });
          const record = (await scp.runs.get(entries[0]!.id))!;
          return {
            runs: entries.length,
            calls: (window as unknown as PageGlobals).deployCalls,
            run: record.run,
            events: record.events,
          };
        });
        assert.equal(run.runs, 1, 'one run in the ledger');
        assert.equal(run.calls, 1, 'deploy() ran once inside track()');
        const { type, subtype, target, reason, status, user } = run.run;
        assert.deepEqual(
          { type, subtype, target, reason, status, user },
          { type: 'deploy', subtype: 'deploy:k8s', target: 'api', reason: 'release 1.4', status: 'ok', user: 'sam' },
        );
        assert.ok(
          run.events.some(
            (e) =>
              e.type === 'step' && e.status === 'ok' && (e.detail as { step?: string } | undefined)?.step === 'apply',
          ),
          `the step event is recorded: ${JSON.stringify(run.events)}`,
        );
        assert.deepEqual(problems, [], 'no console or page errors');
        await page.evaluate(() => (window as unknown as PageGlobals).__scp.close());
      } finally {
        await context.close();
      }
    },
  },

  'npm, framework-free › ts #2': {
    does: "in Node on disk: sync fetches a colleague's entry and pushes the local one to a real git remote without forcing, and the printed verify report is ok",
    async check(block, { packed, tmp }) {
      const git = await startGitServer({ root: join(tmp, 'git-root') });
      const colleague = tempRepo('scp-readme-colleague-');
      const local = tempRepo('scp-readme-local-');
      try {
        const remote = await git.createRepo('ledger');
        const bin = cliBin(packed, tmp);
        // A colleague's run already on the remote, and one recorded locally but never pushed.
        const theirs = runIdIn((await sh('scp-ledger run --type test -- node -e 0', colleague.dir, bin)).stderr)!;
        const pushed = await sh(`scp-ledger sync ${remote}`, colleague.dir, bin);
        assert.equal(pushed.code, 0, pushed.stderr);
        const ours = runIdIn((await sh('scp-ledger run --type build -- node -e 0', local.dir, bin)).stderr)!;
        assert.ok(theirs && ours);

        const js = await compileTs(
          substitute(block.code, { 'https://git.example.com/ops/ledger.git': remote }),
          'node',
        );
        const file = join(packed.app, 'readme-node.mjs');
        writeFileSync(file, js);
        const r = await runProcess(process.execPath, [file], local.dir);
        assert.equal(r.code, 0, `snippet failed: ${r.stderr}`);
        assert.match(r.stdout, /ok: true/, `verify printed an ok report: ${r.stdout}`);
        const localLog = local.git('log', '--format=%s', 'scp-ledger');
        assert.match(localLog, new RegExp(theirs), "the colleague's run was fetched");
        const remoteLog = spawnSync('git', ['--git-dir', git.pathOf('ledger'), 'log', '--format=%s', 'scp-ledger'], {
          encoding: 'utf8',
        }).stdout;
        assert.match(remoteLog, new RegExp(ours), 'the local run was pushed');
        assert.equal(
          local.git('rev-parse', 'scp-ledger').trim(),
          spawnSync('git', ['--git-dir', git.pathOf('ledger'), 'rev-parse', 'scp-ledger'], {
            encoding: 'utf8',
          }).stdout.trim(),
          'both sides at one head',
        );
        assert.deepEqual(await git.forcePushes(), [], 'never forces');
      } finally {
        colleague.cleanup();
        local.cleanup();
        await git.stop();
      }
    },
  },

  'Host-backend mode (HTTP + SSE) › ts': {
    does: "the elements on a createHostClient client follow a real createScpRequestHandler host: a scan staged on the server shows on the badge over SSE, and Save in the manager writes to the server's ledger",
    async check(block, { packed, browser, devUrl }) {
      const req = createRequire(join(packed.app, 'package.json'));
      const { createScp } = await import(pathToFileURL(req.resolve('scp-ledger')).href);
      const { createScpRequestHandler } = await import(pathToFileURL(req.resolve('scp-ledger/host/node')).href);
      const scp = createScp({ actor: 'host-user' });
      const handler = createScpRequestHandler({ scp, cors: { origins: [devUrl] }, heartbeatMs: 1_000 });
      const host: Server = createServer(handler);
      await new Promise<void>((ok) => host.listen(0, '127.0.0.1', ok));
      const hostUrl = `http://127.0.0.1:${(host.address() as AddressInfo).port}`;
      const context = await browser.newContext();
      try {
        const js = await compileTs(substitute(block.code, { 'https://ops.example.com': hostUrl }), 'browser');
        writeFileSync(join(packed.app, 'readme-host.js'), js);
        writeFileSync(join(packed.app, 'readme-host-elements.js'), "import 'scp-ledger/elements/all.js';\n");
        writeFileSync(
          join(packed.app, 'readme-host.html'),
          `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,">
          <h3>Security <scp-audit-badge card="security"></scp-audit-badge></h3>
          <scp-audit-manager></scp-audit-manager>
          <script type="module" src="./readme-host-elements.js"></script>
          <script type="module" src="./readme-host.js"></script>`,
        );
        const page = await context.newPage();
        page.setDefaultTimeout(20_000);
        const problems = watchProblems(page);
        await page.goto(`${devUrl}/readme-host.html`);
        await page.waitForFunction(
          () => customElements.get('scp-audit-badge') && customElements.get('scp-audit-manager'),
        );
        await exposeProvidedClient(page, 'h3');
        await waitBadge(page, 'security', 0);
        // The client's event stream is open (the host said sys:ready) before the server stages.
        await page.evaluate(() => (window as unknown as PageGlobals).__client.events.ready());

        const staged = await scp.staging.stage(
          'security',
          { findings: [] },
          { status: 'ok', summary: 'clean · Score 100' },
        );
        const id = staged.snapshot.snapshot_id as string;
        await waitBadge(page, 'security', 1);
        await page.locator('scp-audit-badge[card="security"] [part="base"]').click();
        await page.locator('scp-audit-manager dialog[open]').waitFor();
        await page.waitForFunction(
          () => document.querySelector('scp-audit-manager')!.shadowRoot!.querySelectorAll('.row').length === 1,
        );
        await page.locator('scp-audit-manager footer button.primary').click();
        await page.waitForFunction(
          () => document.querySelector('scp-audit-manager')!.shadowRoot!.querySelectorAll('.row').length === 0,
        );
        assert.equal((await scp.ledger.getAudit(id))?.snapshot_id, id, "the server's ledger has the saved audit");
        assert.equal((await scp.staging.list()).length, 0, 'nothing pending on the server');
        await waitBadge(page, 'security', 0);
        assert.equal(await managerRows(page), 0);
        assert.deepEqual(problems, [], 'no console or page errors');
      } finally {
        await context.close();
        host.closeAllConnections();
        await new Promise((ok) => host.close(ok));
        await scp.close();
      }
    },
  },

  'Install › sh': {
    does: 'installs this package by name; `npx scp-ledger serve --dir` from the installed package answers the host API',
    async check(block, { packed, tmp }) {
      const lines = shellLines(block.code);
      assert.deepEqual(
        lines.map((l) => l.command.split(/\s+/).slice(0, 3).join(' ')),
        [
          `npm install ${(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string }).name}`,
          'npx scp-ledger serve',
        ],
      );
      assert.match(lines[1]!.command, /^npx scp-ledger serve --dir \S+$/);
      const url = new URL(/https?:\/\/\S+/.exec(lines[1]!.comment)![0]);
      const bin = cliBin(packed, tmp);
      const dir = join(tmp, 'serve-from-package');
      mkdirSync(dir, { recursive: true });
      // The README's line, on a free port instead of 8787.
      const child = spawn('bash', ['-c', `${lines[1]!.command.replace(/^npx /, '')} --port 0`], {
        cwd: dir,
        env: { ...process.env, PATH: `${bin}:${dirname(process.execPath)}:${process.env.PATH}` },
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      try {
        const printed = await new Promise<string>((resolve, reject) => {
          let out = '';
          child.stdout!.on('data', (b) => {
            out += b;
            const m = /listening on (http:\/\/\S+)/.exec(out);
            if (m) resolve(m[1]!);
          });
          child.stderr!.on('data', (b) => {
            out += b;
          });
          child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
          setTimeout(() => reject(new Error(`serve printed no URL: ${out}`)), 30_000);
        });
        const served = new URL(printed);
        assert.equal(served.hostname, url.hostname);
        assert.equal(served.pathname, url.pathname);
        const res = await fetch(new URL('audits/pending', printed));
        assert.equal(res.status, 200, 'the host answers GET /api/audits/pending');
        assert.ok(existsSync(join(dir, '.scp-host', 'ledger')), 'the ledger lives under --dir');
      } finally {
        try {
          process.kill(-child.pid!, 'SIGTERM');
        } catch {
          /* already gone */
        }
      }
    },
  },
  'React and Next.js › tsx': {
    does: "compiles as TSX, imports only subpaths the package exports, declares its cards, and is a 'use client' module",
    async check(block) {
      const out = await transform(block.code, {
        loader: 'tsx',
        jsx: 'automatic',
        format: 'esm',
        target: 'es2022',
        sourcefile: 'README.md',
      });
      const specifiers = [...out.code.matchAll(/(?:from|import)\s*['"]([^'"]+)['"]/g)]
        .map((m) => m[1]!)
        .filter((x) => x.startsWith('scp-ledger'));
      const exported = Object.keys(
        (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, unknown> }).exports,
      ).map((k) => k.replace(/^\./, 'scp-ledger'));
      assert.ok(specifiers.length >= 4, specifiers.join(', '));
      for (const x of specifiers) assert.ok(exported.includes(x), `${x} is in the package's exports map`);
      assert.match(block.code, /^'use client';/);
      assert.match(block.code, /cards: \[\{ key: 'security'/);
      assert.ok(block.code.includes("import 'scp-ledger/react'"));
    },
  },
  'Vue › vue': {
    does: "its script compiles as TS and imports only exported subpaths, the env line names scp-ledger/vue, and the template's tag, properties and event are ones custom-elements.json lists for it",
    async check(block) {
      const script = /<script setup lang="ts">\n([\s\S]*?)<\/script>/.exec(block.code)?.[1];
      const template = /<template>\n([\s\S]*?)<\/template>/.exec(block.code)?.[1];
      assert.ok(script && template, 'a <script setup lang="ts"> and a <template>');
      const out = await transform(script, { loader: 'ts', format: 'esm', target: 'es2022', sourcefile: 'README.md' });
      const specifiers = [...`${out.code}\n${script}`.matchAll(/(?:from|import)\s*['"]([^'"]+)['"]/g)]
        .map((m) => m[1]!)
        .filter((x) => x.startsWith('scp-ledger'));
      const exported = Object.keys(
        (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, unknown> }).exports,
      ).map((k) => k.replace(/^\./, 'scp-ledger'));
      assert.ok(specifiers.includes('scp-ledger/vue'), specifiers.join(', '));
      for (const x of specifiers) assert.ok(exported.includes(x), `${x} is in the package's exports map`);
      const manifest = JSON.parse(readFileSync(join(root, 'custom-elements.json'), 'utf8')) as {
        modules: { declarations?: { tagName?: string; members?: { name: string }[]; events?: { name: string }[] }[] }[];
      };
      const tag = /<(scp-[a-z-]+)\s([^>]*)\/>/.exec(template);
      assert.ok(tag, 'the template uses an scp-* tag');
      const el = manifest.modules.flatMap((m) => m.declarations ?? []).find((d) => d.tagName === tag[1]);
      assert.ok(el, `${tag[1]} is an element`);
      const bound = [...tag[2]!.matchAll(/([:@]?)([\w-]+)="/g)];
      assert.ok(bound.length >= 3, tag[2]);
      for (const [, sigil, name] of bound) {
        if (sigil === '@')
          assert.ok(
            el.events?.some((e) => e.name === name),
            `${tag[1]} fires ${name}`,
          );
        else
          assert.ok(
            el.members?.some((m) => m.name === name),
            `${tag[1]} has a property ${name}`,
          );
      }
      assert.ok(script.includes('(e: ScpAuditsSavedEvent)') && template.includes('@scp-audits-saved="saved"'));
    },
  },
  'Theming › css': {
    does: 'sets color-scheme, and every --scp-* property it or the README table names is one the elements document (@cssproperty in custom-elements.json), with none left out of the table',
    async check(block) {
      const manifest = JSON.parse(readFileSync(join(root, 'custom-elements.json'), 'utf8')) as {
        modules: { declarations?: { tagName?: string; cssProperties?: { name: string }[] }[] }[];
      };
      const documented = new Set(
        manifest.modules
          .flatMap((m) => m.declarations ?? [])
          .filter((d) => d.tagName)
          .flatMap((d) => (d.cssProperties ?? []).map((p) => p.name)),
      );
      assert.match(block.code, /color-scheme: light dark/);
      const inBlock = [...block.code.matchAll(/--scp-[a-z0-9-]+/g)].map((m) => m[0]);
      for (const p of inBlock) assert.ok(documented.has(p), `${p} is documented`);
      const section = README.slice(README.indexOf('## Theming'), README.indexOf('## Elements'));
      const inTable = new Set([...section.matchAll(/`(--scp-[a-z0-9-]+)`/g)].map((m) => m[1]!));
      assert.deepEqual(
        [...documented].filter((p) => !inTable.has(p)),
        [],
        'every documented token is in the README table',
      );
      assert.deepEqual(
        [...inTable].filter((p) => !documented.has(p)),
        [],
        'the README table names only documented tokens',
      );
    },
  },
  'CLI › sh': {
    does: 'each line run in a git repo through the package bin: run records the build and prints @run:<id>, a run over two repositories records both, log filters (status, repo + artifact, event + correlation, actions), show prints the run, export writes the CSV, verify && sync origin pushes the branch',
    async check(block, { packed, tmp }) {
      const lines = shellLines(block.code);
      assert.equal(lines.length, 9);
      for (const l of lines) assert.match(l.command, /^npx scp-ledger /);
      const line = (re: RegExp) => {
        const found = lines.filter((l) => re.test(l.command));
        assert.equal(found.length, 1, `one README line matches ${re}`);
        return found[0]!;
      };
      const git = await startGitServer({ root: join(tmp, 'git-root-cli') });
      const repo = tempRepo('scp-readme-cli-');
      try {
        const bin = cliBin(packed, tmp);
        repo.git('remote', 'add', 'origin', await git.createRepo('ops'));
        // The lines run in app/ of the repository, with a second repository beside it at ../api.
        const cwd = join(repo.dir, 'app');
        mkdirSync(cwd);
        const api = tempRepoAt(join(repo.dir, 'api'));
        writeFileSync(
          join(cwd, 'release.sh'),
          '#!/bin/sh\nset -e\necho v2 > ../api/VERSION && git -C ../api add VERSION && git -C ../api commit -qm "api: v2"\n' +
            'echo v2 > notes.txt && git add notes.txt && git commit -qm "app: v2"\n',
          { mode: 0o755 },
        );
        // npx runs the package's bin; here it is on PATH, as an install puts it in node_modules/.bin.
        const asRun = (command: string) => command.replaceAll('npx scp-ledger', 'scp-ledger');
        const failed = runIdIn((await sh('scp-ledger run --type test -- sh -c "exit 4"', cwd, bin)).stderr)!;
        assert.ok(failed);

        // run: the command's output passes through, the run is recorded and its reference printed.
        const build = line(/--subtype build:docker/);
        const first = await sh(asRun(build.command), cwd, bin);
        assert.equal(first.code, 0, first.stderr);
        assert.equal(first.stdout, 'docker stand-in: build .\n');
        assert.match(build.comment, /prints @run:<id>/);
        const id = runIdIn(first.stderr)!;
        assert.ok(id, `printed a run reference: ${first.stderr}`);

        // run over two repositories: the commits in both are recorded with their repository.
        const release = await sh(asRun(line(/--repo \. --repo \.\.\/api/).command), cwd, bin);
        assert.equal(release.code, 0, release.stderr);
        const released = runIdIn(release.stderr)!;
        assert.ok(released, `printed a run reference: ${release.stderr}`);
        const byRepo = await sh(`scp-ledger log --repo ../api`, cwd, bin);
        assert.equal(byRepo.code, 0, byRepo.stderr);
        assert.ok(byRepo.stdout.includes(released), `log --repo ../api lists the release run: ${byRepo.stdout}`);
        assert.ok(!byRepo.stdout.includes(id), 'log --repo ../api leaves out the build run');
        assert.equal(api.git('log', '--format=%s', '-1').trim(), 'api: v2');

        // log: only the failed run.
        const log = await sh(asRun(line(/--status failed/).command), cwd, bin);
        assert.equal(log.code, 0, log.stderr);
        assert.ok(log.stdout.includes(failed), `log lists the failed run: ${log.stdout}`);
        assert.ok(!log.stdout.includes(id), 'log leaves out the ok run');

        // log by repository and artifact type: nothing here opened a PR, so nothing is listed.
        const prs = await sh(asRun(line(/--artifact pr/).command), cwd, bin);
        assert.equal(prs.code, 0, prs.stderr);
        for (const other of [id, failed, released])
          assert.ok(!prs.stdout.includes(other), `no PR run listed: ${prs.stdout}`);

        // log by event type and correlation id: no entry here was written under that trace.
        const traced = await sh(asRun(line(/--correlation/).command), cwd, bin);
        assert.equal(traced.code, 0, traced.stderr);
        for (const other of [id, failed, released])
          assert.ok(!traced.stdout.includes(other), `nothing under that trace: ${traced.stdout}`);

        // log of actions: none were discarded or deleted, and runs are not actions.
        const actions = await sh(asRun(line(/--kind action/).command), cwd, bin);
        assert.equal(actions.code, 0, actions.stderr);
        for (const other of [id, failed, released])
          assert.ok(!actions.stdout.includes(other), `runs are not actions: ${actions.stdout}`);

        // show: the run just recorded.
        const show = await sh(asRun(substitute(line(/ show /).command, { '<id>': id })), cwd, bin);
        assert.equal(show.code, 0, show.stderr);
        for (const part of [id, 'build:docker', 'ok', 'docker build .'])
          assert.ok(show.stdout.includes(part), `show prints ${part}: ${show.stdout}`);

        // export to CSV: a header and the three runs.
        const exported = await sh(asRun(line(/ export /).command), cwd, bin);
        assert.equal(exported.code, 0, exported.stderr);
        const csv = readFileSync(join(cwd, 'audit.csv'), 'utf8').trim().split('\n');
        assert.equal(csv.length, 4, `header + 3 rows: ${csv.join(' | ')}`);
        assert.match(csv[0]!, /\bid\b/);
        for (const other of [id, failed, released])
          assert.ok(
            csv.some((row) => row.includes(other)),
            `CSV has ${other}`,
          );

        // verify && sync origin: the ledger verifies and the remote gets the branch.
        const synced = await sh(asRun(line(/ verify /).command), cwd, bin);
        assert.equal(synced.code, 0, synced.stderr);
        assert.match(synced.stdout, /ledger ok: \d+ commits, \d+ entries (checked|new since the last verify)/);
        assert.match(synced.stdout, /synced with origin/);
        const remoteHead = spawnSync('git', ['--git-dir', git.pathOf('ops'), 'rev-parse', 'scp-ledger'], {
          encoding: 'utf8',
        }).stdout.trim();
        assert.equal(
          remoteHead,
          repo.git('rev-parse', 'scp-ledger').trim(),
          'origin has the ledger branch at the local head',
        );
      } finally {
        repo.cleanup();
        await git.stop();
      }
    },
  },
};

/** A second repository at `dir` (inside the first one's folder, as a sibling of its app/). */
function tempRepoAt(dir: string): { git(...args: string[]): string } {
  mkdirSync(dir, { recursive: true });
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' });
  git('init', '-q', '-b', 'main');
  git('config', 'user.name', 'Test User');
  git('config', 'user.email', 'test@example.com');
  git('commit', '-q', '--allow-empty', '-m', 'initial');
  return { git };
}

/** A bin folder as an install leaves it: `scp-ledger` linked to the package's bin, plus a `docker` that stands in for the real one. */
function cliBin(packed: Packed, tmp: string): string {
  const bin = join(tmp, 'bin');
  if (existsSync(bin)) return bin;
  mkdirSync(bin);
  const target = join(packed.pkgDir, (packed.manifest.bin as Record<string, string>)['scp-ledger']!);
  chmodSync(target, 0o755);
  symlinkSync(target, join(bin, 'scp-ledger'));
  writeFileSync(join(bin, 'docker'), '#!/bin/sh\necho "docker stand-in: $*"\n', { mode: 0o755 });
  return bin;
}

describe('README.md', () => {
  it('every fenced code block has a check below, and every check still has its block', () => {
    const keys = blocks.map((b) => b.key);
    assert.deepEqual(
      keys.filter((k) => !checks[k]),
      [],
      'README blocks without a check: add one to readme-snippets.test.ts',
    );
    assert.deepEqual(
      Object.keys(checks).filter((k) => !keys.includes(k)),
      [],
      'checks whose README block is gone',
    );
  });

  it('links and images point at files in the repository; the tour shows a PNG screenshot under 300 KB with alt text', () => {
    const local = readmeLinks(README).filter((l) => !/^[a-z]+:/i.test(l.target) && !l.target.startsWith('#'));
    for (const l of local)
      assert.ok(existsSync(join(root, l.target.split('#')[0]!)), `README line ${l.line}: ${l.target} exists`);
    const tour = README.slice(
      README.indexOf('## 30-second tour'),
      README.indexOf('\n## ', README.indexOf('## 30-second tour') + 1),
    );
    const image = readmeLinks(tour).find((l) => l.image);
    assert.equal(image?.target, TOUR_IMAGE, 'the tour has the screenshot');
    assert.ok(image!.text.length >= 20, 'the screenshot has descriptive alt text');
    assert.ok(tour.includes('node scripts/screenshot-tour.mjs'), 'the tour names the command that regenerates it');
    const png = readFileSync(join(root, TOUR_IMAGE));
    assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
    assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [1280, 800], 'width × height');
    assert.ok(statSync(join(root, TOUR_IMAGE)).size < 300 * 1024, `${TOUR_IMAGE} is under 300 KB`);
  });

  describe('snippets, exercised against the packed package', () => {
    const env = {} as Env;
    let stopDev: (() => Promise<void>) | undefined;
    const started = performance.now();

    before(
      async () => {
        env.tmp = await mkdtemp(join(tmpdir(), 'scp-readme-'));
        env.packed = (await buildAndPack(env.tmp)).packed;
        env.browser = await launchChromium();
        const { startDevServer } = await import('@web/dev-server');
        // isomorphic-git's CommonJS dependencies, served as ESM the way the repo's own browser tests do.
        const { prebundlePlugin } = (await import(pathToFileURL(join(root, 'scripts/wtr/plugins.mjs')).href)) as {
          prebundlePlugin: () => import('@web/dev-server-core').Plugin;
        };
        const server = await startDevServer({
          config: {
            rootDir: env.packed.app,
            port: 0,
            hostname: '127.0.0.1',
            nodeResolve: { exportConditions: ['browser'] },
            plugins: [prebundlePlugin()],
          },
          readCliArgs: false,
          readFileConfig: false,
          logStartMessage: false,
        });
        env.devUrl = `http://127.0.0.1:${(server.server!.address() as AddressInfo).port}`;
        stopDev = async () => {
          await server.stop();
        };
      },
      { timeout: 180_000 },
    );

    after(async () => {
      await stopDev?.();
      await env.browser?.close();
      if (env.tmp) await rm(env.tmp, { recursive: true, force: true });
      console.log(`README snippets: ${blocks.length} blocks in ${Math.round(performance.now() - started)} ms`);
    });

    for (const block of blocks) {
      const c = checks[block.key];
      it(`${block.key} (README line ${block.line}): ${c?.does ?? 'has no check'}`, STEP, async () => {
        if (!c) assert.fail(`README line ${block.line}: no check for "${block.key}"`);
        await c.check(block, env);
      });
    }
  });
});
