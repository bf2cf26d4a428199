import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The size budget is a CI gate: these made-up builds check that the gate closes when it should.
function checkSize(files: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'scp-size-'));
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    const r = spawnSync(process.execPath, ['scripts/check-size.mjs', dir], { encoding: 'utf8' });
    return { code: r.status, out: r.stdout + r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
// Incompressible text, so its gzipped size is close to its length.
const noise = (kb: number) => `export const x = ${JSON.stringify(randomBytes(kb * 1024).toString('base64'))};\n`;

describe('scripts/check-size.mjs', () => {
  it('passes a build whose up-front chunks fit in 35 KB gzipped and leaves lazy chunks out of the sum', () => {
    const r = checkSize({
      'scp-ledger.js':
        'import "./scp-ledger-base-1.js";\nexport const lazy = () => import("./scp-ledger-view-2.js");\n',
      'scp-ledger-base-1.js': noise(20),
      'scp-ledger-view-2.js': noise(30),
    });
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /up front \(scp-ledger\.js \+ static imports\): 2\d\.\d KB gz of 35\.0 KB budget/);
  });

  it('fails a build whose static imports go over the budget, saying by how much', () => {
    const r = checkSize({
      'scp-ledger.js': 'import{a as b}from"./scp-ledger-base-1.js";export{b};\n',
      'scp-ledger-base-1.js': `import "./scp-ledger-more-2.js";\n${noise(20)}`,
      'scp-ledger-more-2.js': noise(20),
    });
    assert.equal(r.code, 1);
    assert.match(r.out, /OVER BUDGET by \d+\.\d KB/);
  });

  it('fails a build that contains eval or new Function', () => {
    const r = checkSize({ 'scp-ledger.js': 'export const f = (s) => new Function(s);\n' });
    assert.equal(r.code, 1);
    assert.match(r.out, /contains eval\/new Function/);
  });
});
