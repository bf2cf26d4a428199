// A runtime that cannot read objects (here: no global Buffer, as in a browser bundle without the
// shim) is not a corrupt ledger: reads and verify() fail with ledger_read_failed, never report
// corrupt_object, and verify() passes once the runtime is whole again.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGitLedger } from '../../../src/core/ledger/git/index.js';
import { makeAudit } from '../../contract/ledger.js';

describe('git ledger: a read the runtime cannot do is not corruption', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'scp-runtime-read-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('verify() and getAudit() fail with ledger_read_failed while Buffer is missing, and verify() is ok with it back', async () => {
    const audit = makeAudit();
    await (await createGitLedger({ fs, dir })).write({ audits: [audit] });
    // An fs without positional reads: objects are read through isomorphic-git, which needs Buffer.
    const plainFs = { promises: { ...fs.promises, open: undefined } };
    const ledger = await createGitLedger({ fs: plainFs, dir });
    const saved = globalThis.Buffer;
    let verifyError: unknown;
    let readError: unknown;
    try {
      // @ts-expect-error: the runtime under test has no Buffer
      delete globalThis.Buffer;
      const report = await ledger.verify().then(
        (r) => r,
        (e: unknown) => {
          verifyError = e;
          return undefined;
        },
      );
      assert.equal(
        report,
        undefined,
        `verify() must not report on a ledger it could not read (got ${JSON.stringify(report)})`,
      );
      await ledger.getAudit(audit.snapshot_id).catch((e: unknown) => {
        readError = e;
      });
    } finally {
      globalThis.Buffer = saved;
    }
    for (const e of [verifyError, readError]) {
      assert.equal((e as { code?: string })?.code, 'ledger_read_failed', String(e));
      assert.match((e as Error).message, /Buffer/);
    }
    const again = await (await createGitLedger({ fs: plainFs, dir })).verify();
    assert.equal(again.ok, true, again.message);
  });
});
