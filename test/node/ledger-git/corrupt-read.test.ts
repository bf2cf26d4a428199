// Damaged data found while reading is its own typed error: never a failed write (ledger_write_failed
// with no ids), and the same class on both sides of the browser ledger's Worker boundary.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CorruptEntryError, CorruptObjectError, ScpError } from '../../../src/core/errors/index.js';
import { createGitLedger } from '../../../src/core/ledger/git/index.js';
import { reviveError } from '../../../src/core/ledger/git-browser/worker-ledger.js';
import { makeAudit } from '../../contract/ledger.js';
import { commitFiles, gitRun } from './git-helpers.js';

describe('git ledger: unreadable data found while reading', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'scp-corrupt-read-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('an audit whose stored JSON does not parse reads as CorruptEntryError (corrupt_entry, naming the path), and nothing is changed', async () => {
    const audit = makeAudit();
    await (await createGitLedger({ fs, dir })).write({ audits: [audit] });
    const gitdir = join(dir, '.git');
    const path = gitRun(gitdir, ['ls-tree', '-r', '--name-only', 'scp-ledger'])
      .split('\n')
      .find((p) => p.includes(audit.snapshot_id))!;
    assert.ok(path, 'the audit is in the branch');
    const damaged = commitFiles(gitdir, 'scp-ledger', { [path]: '{"snapshot_id": ' }, 'another tool wrote half a file');

    const ledger = await createGitLedger({ fs, dir });
    const e = await ledger.getAudit(audit.snapshot_id).then(
      () => undefined,
      (err: unknown) => err,
    );
    assert.ok(e instanceof CorruptEntryError, `a CorruptEntryError, not ${String(e)}`);
    assert.ok(e instanceof ScpError);
    assert.equal(e.code, 'corrupt_entry');
    assert.equal(e.data.path, path);
    assert.equal(gitRun(gitdir, ['rev-parse', 'scp-ledger']).trim(), damaged, 'the read changed nothing');
  });

  it('CorruptObjectError is an ScpError with its code, and crosses the Worker boundary as itself', () => {
    const local = new CorruptObjectError('object abc is malformed', { data: { oid: 'abc' } });
    assert.ok(local instanceof ScpError);
    assert.equal(local.code, 'corrupt_object');
    assert.equal(local.oid, 'abc');
    const revived = reviveError({
      name: 'CorruptObjectError',
      code: 'corrupt_object',
      message: 'object abc is malformed',
      data: { oid: 'abc' },
    });
    assert.ok(revived instanceof CorruptObjectError, `revived as ${revived.name}`);
    assert.equal(revived.oid, 'abc');
    const entry = reviveError({
      name: 'CorruptEntryError',
      code: 'corrupt_entry',
      message: 'x',
      data: { path: 'audits/x.json' },
    });
    assert.ok(entry instanceof CorruptEntryError);
  });
});
