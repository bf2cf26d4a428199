// What the ledger writes, read back with native git: branch, commits, messages, layout, files.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { entryHash } from '../../../src/core/hash/index.js';
import { auditPath, createGitLedger, runDir, shardOf } from '../../../src/core/ledger/git/index.js';
import { makeAudit, makeRun } from '../../contract/ledger.js';
import { commitFiles, fsckOk, gitRun } from './git-helpers.js';

describe('git ledger as native git sees it', () => {
  let dir: string;
  let gitdir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'scp-native-'));
    gitdir = join(dir, '.git');
  });
  afterEach(() => {
    fsckOk(gitdir);
    rmSync(dir, { recursive: true, force: true });
  });

  it("writes an orphan branch next to the host's work without touching its HEAD, index or work tree", async () => {
    gitRun(gitdir, ['init', '-q', '-b', 'main']);
    writeFileSync(join(dir, 'app.js'), 'console.log(1)\n');
    const hostHead = commitFiles(gitdir, 'main', { 'app.js': 'console.log(1)\n' }, 'host commit');
    gitRun(gitdir, ['read-tree', 'main']);
    const indexBefore = fs.readFileSync(join(gitdir, 'index'));
    const ledger = await createGitLedger({ fs, dir });
    await ledger.write({ audits: [makeAudit()] });
    assert.equal(gitRun(gitdir, ['symbolic-ref', 'HEAD']).trim(), 'refs/heads/main');
    assert.equal(gitRun(gitdir, ['rev-parse', 'main']).trim(), hostHead);
    assert.deepEqual(readdirSync(dir).sort(), ['.git', 'app.js']);
    assert.equal(gitRun(gitdir, ['rev-list', '--count', 'scp-ledger']).trim(), '2');
    const root = gitRun(gitdir, ['rev-list', '--max-parents=0', 'scp-ledger']).trim();
    assert.equal(
      gitRun(gitdir, ['log', '-1', '--format=%s%n%T', root]).trim(),
      'ledger: init\n4b825dc642cb6eb9a060e54bf8d69288fbee4904',
    );
    assert.throws(() => gitRun(gitdir, ['merge-base', 'main', 'scp-ledger']), 'unrelated to the host history');
    assert.deepEqual(fs.readFileSync(join(gitdir, 'index')), indexBefore, 'the host index is untouched');
  });

  it("one commit per batch, with the origin's messages, the actor as author, pretty JSON entries carrying sha256", async () => {
    const ledger = await createGitLedger({ fs, dir, author: { name: 'scp', email: 'scp@example.com' } });
    const a = makeAudit({ card_key: 'audit:l2:risks' });
    await ledger.write({ audits: [a], actor: 'alice' });
    assert.equal(
      gitRun(gitdir, ['log', '-1', '--format=%s|%an|%ae', 'scp-ledger']).trim(),
      `audit: audit:l2:risks ${a.snapshot_id}|alice|scp@example.com`,
    );
    const r = makeRun({ type: 'deploy' });
    await ledger.write({ runs: [r] });
    assert.equal(gitRun(gitdir, ['log', '-1', '--format=%s', 'scp-ledger']).trim(), `ledger: deploy ${r.run.run_id}`);
    const many = [makeAudit(), makeAudit({ card_key: 'k8s' })];
    const run2 = makeRun({ type: 'build' });
    const { commit } = await ledger.write({ audits: many, runs: [run2] });
    assert.equal(
      gitRun(gitdir, ['log', '-1', '--format=%B', commit]).trim(),
      [
        'ledger: save 2 audits, 1 run',
        '',
        `audit: security ${many[0]!.snapshot_id}`,
        `audit: k8s ${many[1]!.snapshot_id}`,
        `ledger: build ${run2.run.run_id}`,
      ].join('\n'),
    );
    assert.equal(gitRun(gitdir, ['rev-list', '--count', 'scp-ledger']).trim(), '4');
    const names = gitRun(gitdir, ['diff-tree', '-r', '--name-only', '--no-commit-id', commit])
      .trim()
      .split('\n')
      .sort();
    assert.deepEqual(
      names,
      [
        auditPath(many[0]!.snapshot_id, 'sharded'),
        auditPath(many[1]!.snapshot_id, 'sharded'),
        `${runDir(run2.run.run_id, 'sharded')}/events.jsonl`,
        `${runDir(run2.run.run_id, 'sharded')}/run.json`,
      ].sort(),
    );
    const [x, y] = shardOf(a.snapshot_id);
    const text = gitRun(gitdir, ['show', `scp-ledger:audits/${x}/${y}/${a.snapshot_id}.json`]);
    assert.ok(
      text.endsWith('}\n') && text.includes('\n  "card_key": "audit:l2:risks",\n'),
      'pretty JSON, indent 2, trailing newline',
    );
    const parsed = JSON.parse(text);
    assert.equal(parsed.sha256, await entryHash(parsed));
    const events = gitRun(gitdir, ['show', `scp-ledger:${runDir(r.run.run_id, 'sharded')}/events.jsonl`])
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      events.map((e) => e.seq),
      [1, 2],
    );
  });

  it('keeps every tree small: a top directory per kind, then <2 hex>/<1 hex> shards', async () => {
    const ledger = await createGitLedger({ fs, dir });
    await ledger.write({ audits: Array.from({ length: 300 }, () => makeAudit()) });
    const top = gitRun(gitdir, ['ls-tree', '--name-only', 'scp-ledger:audits']).trim().split('\n');
    assert.ok(top.every((n) => /^[0-9a-f]{2}$/.test(n)));
    for (const shard of top.slice(0, 5)) {
      const sub = gitRun(gitdir, ['ls-tree', '--name-only', `scp-ledger:audits/${shard}`])
        .trim()
        .split('\n');
      assert.ok(
        sub.every((n) => /^[0-9a-f]$/.test(n)),
        sub.join(','),
      );
    }
    assert.equal(gitRun(gitdir, ['ls-tree', '-r', '--name-only', 'scp-ledger']).trim().split('\n').length, 300);
  });
});

describe('git ledger packs', () => {
  it('merges its per-batch packs once they pile up; everything stays readable and fsck-clean', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scp-repack-'));
    try {
      const ledger = await createGitLedger({ fs, dir });
      const ids: string[] = [];
      for (let i = 0; i < 40; i++) {
        const a = makeAudit();
        ids.push(a.snapshot_id);
        await ledger.write({ audits: [a] });
      }
      await ledger.head(); // let the queued repack run
      await ledger.write({ audits: [makeAudit()] });
      const packs = readdirSync(join(dir, '.git', 'objects', 'pack')).filter((f) => f.endsWith('.pack'));
      assert.ok(packs.length < 15, `${packs.length} packs after 41 saves`);
      for (const id of ids) assert.equal((await ledger.getAudit(id))?.snapshot_id, id);
      const fresh = await createGitLedger({ fs, dir });
      assert.equal((await fresh.list({ limit: 100 })).entries.length, 41);
      assert.equal((await fresh.verify()).ok, true);
      fsckOk(join(dir, '.git'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
