import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGitLedger } from '../../../src/core/ledger/git/index.js';
import { makeAudit, makeRun } from '../../contract/ledger.js';
import { fsckOk, gitRun } from './git-helpers.js';
import { buildOriginLedger, ORIGIN_AUDITS, ORIGIN_EVENTS, ORIGIN_RUNS, TAG_ONLY_RUN } from './origin-fixture.js';

describe('git ledger: a ledger written by the origin system (native git, flat layout, tags)', () => {
  let dir: string;
  let gitdir: string;
  let mainHead: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'scp-origin-'));
    ({ gitdir, mainHead } = buildOriginLedger(dir));
  });
  afterEach(() => {
    fsckOk(gitdir);
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists every audit and run on the branch, newest first; a run only recorded as a tag is not an entry', async () => {
    const ledger = await createGitLedger({ fs, dir });
    const page = await ledger.list({ limit: 500 });
    const ids = page.entries.map((e) => e.id);
    assert.deepEqual(ids, [
      ORIGIN_RUNS[1]!.run_id,
      ORIGIN_AUDITS[1]!.snapshot_id,
      ORIGIN_AUDITS[0]!.snapshot_id,
      ORIGIN_RUNS[0]!.run_id,
    ]); // equal instants: id descending
    const deploy = page.entries.find((e) => e.id === ORIGIN_RUNS[0]!.run_id)!;
    assert.equal(deploy.kind, 'run');
    assert.equal(deploy.subtype, 'deploy:k8s');
    assert.equal(deploy.actor, 'jfortin');
    assert.equal((await ledger.list({ kind: 'audit', card: 'audit:l2:risks' })).entries.length, 1);
  });

  it('resolves audits and runs by id from the flat layout, never from a tag no entry backs', async () => {
    const ledger = await createGitLedger({ fs, dir });
    assert.deepEqual(await ledger.getAudit(ORIGIN_AUDITS[0]!.snapshot_id), ORIGIN_AUDITS[0]);
    assert.deepEqual(await ledger.getRun(ORIGIN_RUNS[0]!.run_id), { run: ORIGIN_RUNS[0], events: ORIGIN_EVENTS });
    assert.deepEqual(await ledger.getRun(ORIGIN_RUNS[1]!.run_id), { run: ORIGIN_RUNS[1], events: [] });
    assert.equal(await ledger.getRun(TAG_ONLY_RUN.run_id), undefined);
    assert.equal(await ledger.getAudit('security_20260217_000000'), undefined);
  });

  it('verifies clean, keeps appending (sharded by default, flat when asked) and native git reads what it wrote', async () => {
    const ledger = await createGitLedger({ fs, dir });
    assert.equal((await ledger.verify()).ok, true);
    const a = makeAudit();
    const r = makeRun();
    const { commit } = await ledger.write({ audits: [a], runs: [r] });
    const flat = await createGitLedger({ fs, dir, layout: 'origin' });
    const b = makeAudit({ card_key: 'k8s' });
    const c2 = await flat.write({ audits: [b] });
    assert.equal(gitRun(gitdir, ['log', '-1', '--format=%s', 'scp-ledger']).trim(), `audit: k8s ${b.snapshot_id}`);
    assert.equal(gitRun(gitdir, ['rev-parse', 'scp-ledger~1']).trim(), commit);
    const shown = JSON.parse(gitRun(gitdir, ['show', `scp-ledger:audits/${b.snapshot_id}.json`]));
    assert.equal(shown.snapshot_id, b.snapshot_id);
    const files = gitRun(gitdir, ['ls-tree', '-r', '--name-only', c2.commit]).split('\n');
    assert.ok(
      files.some((f) => f.startsWith('audits/') && f.endsWith(`/${a.snapshot_id}.json`) && f.split('/').length === 4),
    );
    assert.ok(files.includes(`ledger/runs/${ORIGIN_RUNS[0]!.run_id}/events.jsonl`));
    assert.ok(files.includes('chat/threads/t1/thread.json'), 'data the ledger does not own is kept');
    const ids = (await ledger.list({ limit: 500 })).entries.map((e) => e.id);
    for (const id of [a.snapshot_id, b.snapshot_id, r.run.run_id, ORIGIN_AUDITS[0]!.snapshot_id])
      assert.ok(ids.includes(id), id);
    const report = await (await createGitLedger({ fs, dir })).verify({ full: true });
    assert.equal(report.ok, true, report.message);
    // The tag-only run is reported (never served), the chat data noted as outside the ledger's areas.
    assert.deepEqual(report.notes?.map((n) => [n.reason, n.count]).sort(), [
      ['legacy_run_events', 2],
      ['outside_ledger_areas', 1],
      ['unbacked_tag', 1],
    ]);
    assert.equal(report.checked.entries, 5 + 4); // origin: 2 audits, 2 run.json, 1 events.jsonl; ours: 2 audits, run.json, events.jsonl
  });

  it('deletes an origin audit with an explicit delete commit, and a sharded one too', async () => {
    const ledger = await createGitLedger({ fs, dir });
    const a = makeAudit();
    await ledger.write({ audits: [a] });
    await ledger.deleteAudit(ORIGIN_AUDITS[0]!.snapshot_id, { reason: 'wrong card' });
    await ledger.deleteAudit(a.snapshot_id, { reason: 'duplicate' });
    assert.equal(gitRun(gitdir, ['log', '-1', '--format=%s', 'scp-ledger']).trim(), `audit: delete ${a.snapshot_id}`);
    assert.equal(await ledger.getAudit(ORIGIN_AUDITS[0]!.snapshot_id), undefined);
    assert.equal((await ledger.verify()).ok, true);
  });

  it("writes the origin tags when asked: annotated, on main's HEAD, JSON messages", async () => {
    const ledger = await createGitLedger({ fs, dir, tags: true });
    const a = makeAudit();
    const r = makeRun();
    await ledger.write({ audits: [a], runs: [r] });
    assert.equal(gitRun(gitdir, ['cat-file', '-t', `refs/tags/scp/audit/${a.snapshot_id}`]).trim(), 'tag');
    assert.equal(gitRun(gitdir, ['rev-parse', `scp/audit/${a.snapshot_id}^{commit}`]).trim(), mainHead);
    const msg = JSON.parse(gitRun(gitdir, ['tag', '-l', '--format=%(contents)', `scp/audit/${a.snapshot_id}`]));
    assert.deepEqual(msg, {
      snapshot_id: a.snapshot_id,
      card_key: a.card_key,
      status: a.status,
      iso: a.iso,
      summary: a.summary,
    });
    const runMsg = JSON.parse(gitRun(gitdir, ['tag', '-l', '--format=%(contents)', `scp/run/${r.run.run_id}`]));
    assert.equal(runMsg.run_id, r.run.run_id);
    assert.equal(runMsg.subtype, r.run.subtype);
  });
});
