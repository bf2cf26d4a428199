// The ReadIndex contract for the indexes a single process keeps: in memory and as a journal file.
import { mkdtempSync, rmSync } from 'node:fs';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFileReadIndex, createMemoryReadIndex } from '../../../src/core/ledger/git/read-index.js';
import { readIndexContract } from '../../contract/read-index.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

readIndexContract('memory', async () => createMemoryReadIndex());
readIndexContract('journal file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'scp-read-index-'));
  dirs.push(dir);
  return createFileReadIndex({ fs, path: join(dir, 'index.jsonl') });
});
