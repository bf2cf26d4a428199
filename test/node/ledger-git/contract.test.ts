import * as fs from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ledgerContract } from '../../contract/ledger.js';
import { createFileReadIndex, createGitLedger } from '../../../src/core/ledger/git/index.js';
import { fsckOk } from './git-helpers.js';

ledgerContract('git (node:fs, memory index)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'scp-git-contract-'));
  const ledger = await createGitLedger({ fs, dir });
  return {
    ledger,
    cleanup: () => {
      fsckOk(join(dir, '.git'));
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

ledgerContract('git (node:fs, bare repo, file index)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'scp-git-contract-bare-'));
  const { execFileSync } = await import('node:child_process');
  execFileSync('git', ['init', '-q', '--bare', '-b', 'main', dir]);
  const ledger = await createGitLedger({
    fs,
    dir,
    index: createFileReadIndex({ fs, path: join(dir, 'scp-ledger-index.jsonl') }),
  });
  return {
    ledger,
    cleanup: () => {
      fsckOk(dir);
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
