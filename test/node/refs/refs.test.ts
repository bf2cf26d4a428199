import assert from 'node:assert/strict';
import { createScp, type ScpClient } from '../../../src/core/client.js';
import type { ScpError } from '../../../src/core/errors/index.js';
import { createMemoryLedger } from '../../../src/core/ledger/memory.js';
import type { Ledger } from '../../../src/core/ledger/types.js';
import { createRefs } from '../../../src/core/refs/refs.js';
import type { RefResolver, Refs } from '../../../src/core/refs/types.js';
import type { Preview, Suggestion } from '../../../src/core/schemas/ref.js';
import { makeAudit, makeRun } from '../../contract/ledger.js';

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

/** A ledger that records which methods were called (to prove lookups did or did not happen). */
function spied(ledger: Ledger): { ledger: Ledger; calls: string[] } {
  const calls: string[] = [];
  const proxy = new Proxy(ledger, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        calls.push(String(prop));
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { ledger: proxy, calls };
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as ScpError).code;
  }
  return 'resolved';
}

describe('refs (wired by createScp with the memory ledger and memory staging)', () => {
  let scp: ScpClient;
  let refs: Refs;
  let calls: string[];

  beforeEach(() => {
    const s = spied(createMemoryLedger());
    calls = s.calls;
    scp = createScp({
      ledger: s.ledger,
      channel: false,
      actor: 'alice',
      cards: [{ key: 'security', label: 'Security Posture' }],
    });
    refs = scp.refs;
  });
  afterEach(async () => {
    await scp.close();
  });

  describe('resolve', () => {
    it('resolves a saved audit from the ledger with the origin preview fields', async () => {
      const a = makeAudit({
        card_key: 'security',
        summary: '3 issues · Score: 78',
        status: 'ok',
        iso: minutesAgo(5),
        saved_by: 'alice',
      });
      await scp.ledger.write({ audits: [a] });
      const p = await refs.resolve(`@audit:${a.snapshot_id}`);
      assert.deepEqual(
        {
          type: p.type,
          id: p.id,
          exists: p.exists,
          source: p.source,
          card_key: p.card_key,
          summary: p.summary,
          status: p.status,
          iso: p.iso,
          label: p.label,
        },
        {
          type: 'audit',
          id: a.snapshot_id,
          exists: true,
          source: 'ledger',
          card_key: 'security',
          summary: '3 issues · Score: 78',
          status: 'ok',
          iso: a.iso,
          label: 'Security Posture',
        },
      );
      assert.equal('data' in p, false, 'a preview does not carry the snapshot data');
    });

    it('falls back to a pending snapshot (source "pending"), and prefers the ledger once it is saved', async () => {
      const staged = await scp.staging.stage('k8s', { pods: 3 }, { summary: '3 pods' });
      assert.ok(staged.staged);
      const id = staged.snapshot.snapshot_id;
      const pending = await refs.resolve(`@audit:${id}`);
      assert.deepEqual(
        {
          exists: pending.exists,
          source: pending.source,
          card_key: pending.card_key,
          summary: pending.summary,
          status: pending.status,
        },
        { exists: true, source: 'pending', card_key: 'k8s', summary: '3 pods', status: 'ok' },
      );
      await scp.staging.save([id]);
      const saved = await refs.resolve({ kind: 'audit', id, raw: `@audit:${id}`, index: 0 });
      assert.equal(saved.source, 'ledger');
      assert.equal(saved.summary, '3 pods');
    });

    it('answers exists: false for a well-formed audit or run id that names nothing', async () => {
      assert.deepEqual(await refs.resolve('@audit:security_20260217_204500_none'), {
        type: 'audit',
        id: 'security_20260217_204500_none',
        exists: false,
      });
      assert.deepEqual(await refs.resolve('@run:run_20260217T204500Z_deploy_none'), {
        type: 'run',
        id: 'run_20260217T204500Z_deploy_none',
        exists: false,
      });
    });

    it('resolves a finished run from the ledger with run_type, subtype, times and a 12-character code_ref', async () => {
      const r = makeRun({
        type: 'deploy',
        subtype: 'deploy:k8s',
        status: 'failed',
        summary: 'Rollout stuck',
        code_ref: 'a'.repeat(40),
        duration_ms: 4200,
      });
      await scp.ledger.write({ runs: [r] });
      const p = await refs.resolve(`@run:${r.run.run_id}`);
      assert.deepEqual(
        {
          type: p.type,
          exists: p.exists,
          source: p.source,
          run_type: p.run_type,
          subtype: p.subtype,
          summary: p.summary,
          status: p.status,
          started_at: p.started_at,
          ended_at: p.ended_at,
          duration_ms: p.duration_ms,
          code_ref: p.code_ref,
        },
        {
          type: 'run',
          exists: true,
          source: 'ledger',
          run_type: 'deploy',
          subtype: 'deploy:k8s',
          summary: 'Rollout stuck',
          status: 'failed',
          started_at: r.run.started_at,
          ended_at: r.run.ended_at,
          duration_ms: 4200,
          code_ref: 'aaaaaaaaaaaa',
        },
      );
    });

    it('resolves a live run (source "live", status running) and the same run from the ledger once finished', async () => {
      const h = await scp.runs.start({ type: 'build', subtype: 'build:docker', summary: 'Building api' });
      const live = await refs.resolve(`@run:${h.id}`);
      assert.deepEqual(
        {
          exists: live.exists,
          source: live.source,
          status: live.status,
          run_type: live.run_type,
          subtype: live.subtype,
        },
        { exists: true, source: 'live', status: 'running', run_type: 'build', subtype: 'build:docker' },
      );
      await h.finish({ status: 'ok', summary: 'Built api' });
      await scp.runs.flush();
      const done = await refs.resolve(`@run:${h.id}`);
      assert.deepEqual(
        { source: done.source, status: done.status, summary: done.summary },
        { source: 'ledger', status: 'ok', summary: 'Built api' },
      );
    });

    it('rejects hostile ids with InvalidIdError before any lookup', async () => {
      for (const ref of [
        '@audit:../etc/passwd',
        '@run:a/b',
        '@audit:.git',
        `@audit:${'x'.repeat(129)}`,
        '@audit:%2e%2e',
        '@run:',
      ]) {
        assert.equal(await code(refs.resolve(ref)), 'invalid_id', ref);
      }
      assert.equal(await code(refs.resolve({ kind: 'audit', id: '../x', raw: '', index: 0 })), 'invalid_id');
      assert.equal(
        await code(refs.resolve('@nope:../x')),
        'invalid_id',
        'the id is judged before the kind is looked up',
      );
      assert.deepEqual(
        calls.filter((c) => c === 'getAudit' || c === 'getRun' || c === 'list'),
        [],
      );
    });

    it('rejects an unknown kind with UnknownRefKindError and text that is not a ref with ValidationError', async () => {
      assert.equal(await code(refs.resolve('@thread:t_1')), 'unknown_ref_kind');
      assert.equal(await code(refs.resolve('just words')), 'validation');
    });

    it('stops with AbortedError when the signal is already aborted', async () => {
      const ctl = new AbortController();
      ctl.abort();
      assert.equal(await code(refs.resolve('@audit:security_20260217_204500_none', { signal: ctl.signal })), 'aborted');
    });
  });

  describe('autocomplete', () => {
    it('suggests kinds for "@" and a partial kind, with no colon', async () => {
      const all = await refs.autocomplete('@');
      assert.deepEqual(
        all.map((s) => [s.ref, s.section]),
        [
          ['@audit:', 'kinds'],
          ['@run:', 'kinds'],
        ],
      );
      assert.ok(all.every((s) => s.label && s.icon && s.detail));
      assert.deepEqual(
        (await refs.autocomplete('@au')).map((s) => s.ref),
        ['@audit:'],
      );
      assert.deepEqual(
        (await refs.autocomplete('@R')).map((s) => s.ref),
        ['@run:'],
      );
      assert.deepEqual(await refs.autocomplete('@x'), []);
      assert.deepEqual(await refs.autocomplete('audit'), []);
      assert.deepEqual(await refs.autocomplete('@thread:'), []);
    });

    it('lists saved audits newest first, then pending ones, with origin labels, details, icons and relative times', async () => {
      const older = makeAudit({
        card_key: 'security',
        summary: '3 issues',
        iso: minutesAgo(5 * 24 * 60),
        saved_by: 'bob',
      });
      const newer = makeAudit({ card_key: 'k8s', summary: 'Cluster healthy', iso: minutesAgo(125), saved_by: 'alice' });
      await scp.ledger.write({ audits: [older, newer], runs: [makeRun({ started_at: minutesAgo(1) })] });
      const staged = await scp.staging.stage('docker', { images: 2 }, { summary: '2 images' });
      assert.ok(staged.staged);
      const got = await refs.autocomplete('@audit:');
      assert.deepEqual(
        got.map((s) => [s.ref, s.section]),
        [
          [`@audit:${newer.snapshot_id}`, 'saved'],
          [`@audit:${older.snapshot_id}`, 'saved'],
          [`@audit:${staged.snapshot.snapshot_id}`, 'unsaved'],
        ],
      );
      assert.deepEqual(got[0], {
        ref: `@audit:${newer.snapshot_id}`,
        label: 'k8s — Cluster healthy',
        detail: 'ok · alice · 2h ago',
        icon: '📋',
        section: 'saved',
        status: 'ok',
        time: newer.iso,
      });
      assert.equal(got[1]!.detail, 'ok · bob · 5 days ago');
      assert.equal(got[2]!.label, 'docker — 2 images');
      assert.equal(got[2]!.detail, 'ok · devops · unsaved · just now');
      assert.equal(got[2]!.icon, '⏳');
    });

    it('filters saved and pending audits by the text after the colon (id, card or summary, any case)', async () => {
      const sec = makeAudit({ card_key: 'security', summary: 'TLS expired' });
      const k8s = makeAudit({ card_key: 'k8s', summary: 'Cluster healthy' });
      await scp.ledger.write({ audits: [sec, k8s] });
      await scp.staging.stage('security', { a: 1 }, { summary: 'pending scan' });
      await scp.staging.stage('dns', { a: 1 }, { summary: 'no TLS issue' });
      const bySec = await refs.autocomplete('@audit:SEC');
      assert.deepEqual(
        bySec.map((s) => [s.label, s.section]),
        [
          ['security — TLS expired', 'saved'],
          ['security — pending scan', 'unsaved'],
        ],
      );
      const byTls = await refs.autocomplete('@audit:tls');
      assert.deepEqual(
        byTls.map((s) => s.label),
        ['security — TLS expired', 'dns — no TLS issue'],
      );
      assert.deepEqual(
        (await refs.autocomplete(`@audit:${k8s.snapshot_id.slice(0, 12)}`)).map((s) => s.ref),
        [`@audit:${k8s.snapshot_id}`],
      );
      assert.deepEqual(await refs.autocomplete('@audit:nothing-like-this'), []);
    });

    it('returns at most 50 items (or the limit asked for) and keeps room for pending audits', async () => {
      await scp.ledger.write({ audits: Array.from({ length: 120 }, (_, i) => makeAudit({ iso: minutesAgo(i + 10) })) });
      for (const card of ['a1', 'a2', 'a3']) await scp.staging.stage(card, { card }, { summary: card });
      const got = await refs.autocomplete('@audit:');
      assert.equal(got.length, 50);
      assert.deepEqual(
        got.slice(47).map((s) => s.section),
        ['unsaved', 'unsaved', 'unsaved'],
      );
      assert.ok(got.slice(0, 47).every((s) => s.section === 'saved'));
      const times = got.slice(0, 47).map((s) => Date.parse(s.time!));
      assert.deepEqual(
        times,
        [...times].sort((x, y) => y - x),
        'saved items are newest first',
      );
      assert.equal((await refs.autocomplete('@audit:', { limit: 6 })).length, 6);
      assert.equal((await refs.autocomplete('@audit:', { limit: 500 })).length, 50);
    });

    it('lists runs for "@run:": live ones first (status running), then the ledger newest first; no audits', async () => {
      const old = makeRun({
        type: 'deploy',
        subtype: 'deploy:k8s',
        summary: 'Deployed api',
        user: 'bob',
        started_at: minutesAgo(30),
      });
      const fail = makeRun({
        type: 'build',
        subtype: 'build:docker',
        status: 'failed',
        summary: 'Build failed',
        user: 'carol',
        started_at: minutesAgo(10),
      });
      await scp.ledger.write({ runs: [old, fail], audits: [makeAudit({ iso: minutesAgo(1) })] });
      const h = await scp.runs.start({ type: 'test', summary: 'Running tests', actor: 'alice' });
      const got = await refs.autocomplete('@run:');
      assert.deepEqual(
        got.map((s) => [s.ref, s.section, s.status]),
        [
          [`@run:${h.id}`, 'runs', 'running'],
          [`@run:${fail.run.run_id}`, 'runs', 'failed'],
          [`@run:${old.run.run_id}`, 'runs', 'ok'],
        ],
      );
      assert.equal(got[1]!.label, 'build:docker — Build failed');
      assert.equal(got[1]!.detail, 'failed · carol · 10m ago');
      assert.equal(got[1]!.icon, '🚀');
      assert.equal(got[0]!.label, 'test — Running tests');
      assert.deepEqual(
        (await refs.autocomplete('@run:docker')).map((s) => s.ref),
        [`@run:${fail.run.run_id}`],
      );
      await h.finish({ status: 'ok' });
    });
  });

  describe('parse', () => {
    it('parses the built-in kinds', () => {
      assert.deepEqual(
        refs.parse('@audit:a_1 and @run:run_x. @commit:abc').map((r) => `${r.kind}:${r.id}`),
        ['audit:a_1', 'run:run_x'],
      );
    });
  });
});

describe('refs registry (host kinds)', () => {
  const commits = new Map([
    ['abc1234', 'Fix TLS'],
    ['abd9999', 'Bump deps'],
  ]);
  const commitResolver: RefResolver = {
    kind: 'commit',
    icon: '📝',
    label: 'Commit',
    async resolve(id: string): Promise<Preview> {
      const msg = commits.get(id);
      return msg
        ? { type: 'commit', id, exists: true, source: 'git', summary: msg }
        : { type: 'commit', id, exists: false };
    },
    async suggest(query: string, limit: number): Promise<Suggestion[]> {
      return [...commits]
        .filter(([id]) => id.startsWith(query))
        .slice(0, limit)
        .map(([id, msg]) => ({ ref: `@commit:${id}`, label: msg, detail: id, icon: '📝', section: 'log' as const }));
    },
  };

  const open: ScpClient[] = [];
  afterEach(async () => {
    for (const scp of open.splice(0)) await scp.close();
  });
  function makeRefs(): Refs {
    const scp = createScp({ channel: false });
    open.push(scp);
    return createRefs({ ledger: scp.ledger, staging: scp.staging, runs: scp.runs });
  }

  it('a registered kind parses, resolves and autocompletes; unregistering removes it everywhere', async () => {
    const refs = makeRefs();
    assert.deepEqual(refs.parse('see @commit:abc1234'), []);
    const unregister = refs.register(commitResolver);
    assert.deepEqual(
      refs.kinds().map((k) => k.kind),
      ['audit', 'run', 'commit'],
    );
    assert.deepEqual(
      refs.parse('see @commit:abc1234{Fix TLS}').map((r) => [r.kind, r.id, r.label]),
      [['commit', 'abc1234', 'Fix TLS']],
    );
    assert.deepEqual(await refs.resolve('@commit:abc1234'), {
      type: 'commit',
      id: 'abc1234',
      exists: true,
      source: 'git',
      summary: 'Fix TLS',
    });
    assert.equal((await refs.resolve('@commit:fff0000')).exists, false);
    assert.deepEqual(
      (await refs.autocomplete('@')).map((s) => s.ref),
      ['@audit:', '@run:', '@commit:'],
    );
    assert.deepEqual(
      (await refs.autocomplete('@co')).map((s) => [s.ref, s.icon, s.label]),
      [['@commit:', '📝', 'Commit']],
    );
    assert.deepEqual(
      (await refs.autocomplete('@commit:ab')).map((s) => s.ref),
      ['@commit:abc1234', '@commit:abd9999'],
    );
    assert.deepEqual(
      (await refs.autocomplete('@commit:ab', { limit: 1 })).map((s) => s.ref),
      ['@commit:abc1234'],
    );
    assert.equal(await code(refs.resolve('@commit:../x')), 'invalid_id');

    unregister();
    unregister();
    assert.deepEqual(refs.parse('see @commit:abc1234'), []);
    assert.equal(await code(refs.resolve('@commit:abc1234')), 'unknown_ref_kind');
    assert.deepEqual(
      (await refs.autocomplete('@')).map((s) => s.ref),
      ['@audit:', '@run:'],
    );
    assert.deepEqual(await refs.autocomplete('@commit:ab'), []);
  });

  it('a host resolver for a built-in kind takes over until it is unregistered', async () => {
    const refs = makeRefs();
    const unregister = refs.register({
      kind: 'audit',
      icon: '🗂',
      label: 'Host audit',
      resolve: async (id) => ({ type: 'audit', id, exists: true, source: 'host' }),
    });
    assert.equal((await refs.resolve('@audit:anything_1')).source, 'host');
    unregister();
    assert.equal((await refs.resolve('@audit:anything_1')).exists, false);
  });

  it('rejects a resolver whose kind is not a plain lower-case word', () => {
    const refs = makeRefs();
    for (const kind of ['', 'Audit', 'a b', 'x:y', '1run', 'a'.repeat(40)]) {
      assert.throws(() => refs.register({ ...commitResolver, kind }), { code: 'validation' }, kind);
    }
  });
});
