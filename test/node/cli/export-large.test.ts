import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { join, resolve } from 'node:path';
import { createGitLedger, createFileReadIndex } from '../../../src/core/ledger/git/index.js';
import { indexPathFor } from '../../../src/cli/open-ledger.js';
import type { RunRecord } from '../../../src/core/schemas/run.js';
import { tempRepo } from '../../helpers/temp-repo.js';

const ENTRIES = 100_000;
// Peak RSS allowed for streaming the whole export (the ledger itself is ~20 MB of index rows).
const CEILING_MB = 400;

describe('scp-ledger export at 100,000 entries with no read index', () => {
  it(`rebuilds the index and streams every entry as JSON Lines with peak RSS under ${CEILING_MB} MB`, async () => {
    const repo = tempRepo('scp-export-');
    try {
      const gitdir = join(repo.dir, '.git');
      const ledger = await createGitLedger({
        fs,
        dir: repo.dir,
        index: createFileReadIndex({ fs, path: indexPathFor(gitdir) }),
      });
      const base = Date.UTC(2026, 0, 1);
      for (let b = 0; b < ENTRIES / 1000; b++) {
        const runs: RunRecord[] = Array.from({ length: 1000 }, (_, i) => {
          const n = b * 1000 + i;
          const t = new Date(base + n * 1000).toISOString();
          return {
            run: {
              run_id: `run_${t.slice(0, 19).replace(/[-:]/g, '')}Z_build_${n.toString(36).padStart(4, '0')}`,
              type: 'build',
              subtype: 'build:docker',
              status: n % 7 ? 'ok' : 'failed',
              user: 'ci',
              code_ref: '',
              started_at: t,
              ended_at: t,
              duration_ms: 10,
              summary: `build ${n}`,
            },
            events: [],
          };
        });
        await ledger.write({ runs });
      }
      await ledger.close?.();
      // Cold path: without its read index the export has to rebuild it from the whole branch.
      const indexPath = indexPathFor(gitdir);
      fs.rmSync(indexPath, { force: true });
      // The child reports its own peak RSS after the export has streamed to the pipe. On Linux that
      // is VmHWM: getrusage's maxRSS carries over the (large) RSS of this process across fork+exec.
      const script = `const m = await import(${JSON.stringify(resolve('src/cli/main.ts'))}); const c = await m.main(['export', '--format', 'jsonl']); const fs = await import('node:fs'); let kb = process.resourceUsage().maxRSS; try { kb = Number(/VmHWM:\\s+(\\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1]); } catch {} process.stderr.write('maxrss_kb=' + kb + ' code=' + c + '\\n');`;
      const child = spawn(
        process.execPath,
        ['--import', resolve('node_modules/tsx/dist/loader.mjs'), '--input-type=module', '-e', script],
        { cwd: repo.dir },
      );
      let lines = 0;
      let first = '';
      let err = '';
      child.stdout.on('data', (b: Buffer) => {
        if (!first) first = b.toString().split('\n')[0]!;
        for (const c of b) if (c === 10) lines++;
      });
      child.stderr.on('data', (b) => {
        err += b;
      });
      await new Promise((r) => child.on('close', r));
      const m = /maxrss_kb=(\d+) code=(\d+)/.exec(err);
      assert.ok(m, err);
      const peakMb = Number(m[1]) / 1024;
      console.log(`export of ${ENTRIES} entries: peak RSS ${peakMb.toFixed(0)} MB`);
      assert.equal(Number(m[2]), 0);
      assert.equal(lines, ENTRIES);
      assert.equal(JSON.parse(first).kind, 'run');
      assert.ok(peakMb < CEILING_MB, `peak RSS ${peakMb.toFixed(0)} MB`);
      assert.ok(fs.existsSync(indexPath), 'the export rebuilt and kept the read index');
    } finally {
      repo.cleanup();
    }
  });
});
