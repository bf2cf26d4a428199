// The tamper corpus: ledgers forged with native git plumbing (commit-tree, mktree, hash-object,
// update-ref, hand-made tree objects) by someone who can write the repository or push to it. Each
// class has several constructions; every one must fail verify with the expected reason, and the
// controls (what honest users and git itself do to a ledger) must stay ok.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withEntryHash } from '../../../src/core/hash/index.js';
import { auditPath, createGitLedger, runDir, type GitLedger } from '../../../src/core/ledger/git/index.js';
import { makeAudit, makeRun } from '../../contract/ledger.js';
import { commitFiles, gitRun } from './git-helpers.js';

const BRANCH = 'scp-ledger';
const REF = `refs/heads/${BRANCH}`;
const pretty = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;

/** Plumbing on one gitdir. */
function plumbing(gitdir: string) {
  const g = (args: string[], input?: string | Buffer) => gitRun(gitdir, args, input).trim();
  const blob = (text: string) => g(['hash-object', '-w', '--stdin'], text);
  type Row = { mode: string; type: string; oid: string; name: string };
  const ls = (tree: string): Row[] =>
    g(['ls-tree', tree])
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        const [meta, name] = l.split('\t');
        const [mode, type, oid] = meta!.split(' ');
        return { mode: mode!, type: type!, oid: oid!, name: name! };
      });
  const mktree = (rows: Row[]) => g(['mktree'], rows.map((r) => `${r.mode} ${r.type} ${r.oid}\t${r.name}\n`).join(''));
  /** A tree object written byte for byte as given (duplicates, any order): what mktree refuses to make. */
  const rawTree = (rows: { mode: string; name: string; oid: string }[]) => {
    const buf = Buffer.concat(
      rows.map((r) => Buffer.concat([Buffer.from(`${r.mode} ${r.name}\0`), Buffer.from(r.oid, 'hex')])),
    );
    return g(['hash-object', '-t', 'tree', '-w', '--literally', '--stdin'], buf);
  };
  /** `root` with the tree at `dir` (a/b/c) replaced by `sub`, parents rebuilt with mktree. */
  const replaceAt = (root: string, dir: string, sub: string): string => {
    if (dir === '') return sub;
    const [head, ...rest] = dir.split('/');
    const rows = ls(root);
    const cur = rows.find((r) => r.name === head);
    const inner = replaceAt(cur ? cur.oid : mktree([]), rest.join('/'), sub);
    return mktree([...rows.filter((r) => r.name !== head), { mode: '040000', type: 'tree', oid: inner, name: head! }]);
  };
  const treeAt = (rev: string) => g(['rev-parse', `${rev}^{tree}`]);
  const commit = (tree: string, parents: string[], message: string) =>
    g(['commit-tree', tree, ...parents.flatMap((p) => ['-p', p]), '-m', message]);
  const setBranch = (oid: string) => g(['update-ref', REF, oid]);
  const head = () => g(['rev-parse', REF]);
  return { g, blob, ls, mktree, rawTree, replaceAt, treeAt, commit, setBranch, head };
}

interface Fixture {
  dir: string;
  gitdir: string;
  ledger: GitLedger;
  p: ReturnType<typeof plumbing>;
  audits: ReturnType<typeof makeAudit>[];
  run: ReturnType<typeof makeRun>;
  bare: ReturnType<typeof makeRun>;
}

async function fixture(): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), 'scp-tamper-'));
  const gitdir = join(dir, '.git');
  const ledger = await createGitLedger({ fs, dir });
  const audits = [makeAudit(), makeAudit({ card_key: 'k8s' }), makeAudit({ card_key: 'dns' })];
  const run = makeRun();
  const bare = makeRun({}, []);
  await ledger.write({ audits: audits.slice(0, 2), runs: [run, bare] });
  await ledger.write({ audits: audits.slice(2) });
  assert.equal((await ledger.verify()).ok, true); // pins the head
  return { dir, gitdir, ledger, p: plumbing(gitdir), audits, run, bare };
}

const reopen = (f: Fixture) => createGitLedger({ fs, dir: f.dir });
async function verifyFull(f: Fixture) {
  return (await reopen(f)).verify({ full: true });
}

/** A sealed audit (as our writer would produce) ready to be committed by hand. */
async function sealedAudit(over: Record<string, unknown> = {}) {
  return (await withEntryHash(makeAudit(over) as Record<string, unknown>)) as unknown as Record<string, unknown> & {
    snapshot_id: string;
  };
}

type Case = {
  name: string;
  expect: string | string[];
  build(f: Fixture): Promise<void> | void;
  incrementalToo?: boolean;
};

const cases: Record<string, Case[]> = {
  merges: [
    {
      name: 'merge of the pinned head with an unrelated rewritten history holding a forged copy',
      expect: 'unrelated_history',
      build: async (f) => {
        const a0 = f.audits[0]!;
        const forged = await withEntryHash({
          ...JSON.parse(f.p.g(['show', `${REF}:${auditPath(a0.snapshot_id, 'sharded')}`])),
          summary: 'forged',
        });
        const root = commitFiles(
          f.gitdir,
          'rewritten',
          { [auditPath(a0.snapshot_id, 'sharded')]: pretty(forged) },
          'ledger: init',
          { parent: null },
        );
        f.p.setBranch(f.p.commit(f.p.treeAt(root), [f.p.head(), root], 'Merge'));
      },
    },
    {
      name: 'merge with an unrelated history of identical content (the pinned head stays reachable)',
      expect: 'unrelated_history',
      build: (f) => {
        const root = f.p.commit(f.p.treeAt(REF), [], 'ledger: init');
        f.p.setBranch(f.p.commit(f.p.treeAt(REF), [root, f.p.head()], 'Merge'));
      },
    },
    {
      name: 'merge whose tree drops an entry one parent holds',
      expect: 'history_edited',
      build: async (f) => {
        const side = commitFiles(
          f.gitdir,
          'side',
          { [auditPath((await sealedAudit({ card_key: 'git' })).snapshot_id, 'sharded')]: null },
          'noop',
          { parent: f.p.head() },
        );
        const a0 = f.audits[0]!;
        const tree = f.p.treeAt(
          commitFiles(f.gitdir, 'tmp', { [auditPath(a0.snapshot_id, 'sharded')]: null }, 'x', { parent: f.p.head() }),
        );
        f.p.setBranch(f.p.commit(tree, [f.p.head(), side], 'Merge side'));
      },
    },
    {
      name: 'merge whose tree edits an entry both parents agree on (sha256 recomputed)',
      expect: 'history_edited',
      build: async (f) => {
        const a0 = f.audits[0]!;
        const path = auditPath(a0.snapshot_id, 'sharded');
        const sideEntry = await sealedAudit({ card_key: 'git' });
        const side = commitFiles(
          f.gitdir,
          'side',
          { [auditPath(sideEntry.snapshot_id, 'sharded')]: pretty(sideEntry) },
          'audit: git',
          { parent: f.p.head() },
        );
        const edited = await withEntryHash({
          ...JSON.parse(f.p.g(['show', `${REF}:${path}`])),
          summary: 'edited in the merge',
        });
        const tree = f.p.treeAt(commitFiles(f.gitdir, 'tmp', { [path]: pretty(edited) }, 'x', { parent: side }));
        f.p.setBranch(f.p.commit(tree, [f.p.head(), side], 'Merge side'));
      },
    },
    {
      name: 'merge that adds an entry no parent holds',
      expect: 'history_edited',
      build: async (f) => {
        const side = commitFiles(
          f.gitdir,
          'side',
          {
            [auditPath((await sealedAudit({ card_key: 'git' })).snapshot_id, 'sharded')]: pretty(
              await sealedAudit({ card_key: 'git' }),
            ),
          },
          'audit',
          { parent: f.p.head() },
        );
        void side;
        const extra = await sealedAudit({ card_key: 'mail' });
        const s2 = commitFiles(
          f.gitdir,
          'side2',
          { [auditPath((await sealedAudit({ card_key: 'x1' })).snapshot_id, 'sharded')]: null },
          'noop',
          { parent: f.p.head() },
        );
        const tree = f.p.treeAt(
          commitFiles(f.gitdir, 'tmp', { [auditPath(extra.snapshot_id, 'sharded')]: pretty(extra) }, 'x', {
            parent: f.p.head(),
          }),
        );
        f.p.setBranch(f.p.commit(tree, [f.p.head(), s2], 'Merge'));
      },
    },
    {
      name: "second parent carries a commit that edits an entry; the merge keeps the first parent's copy",
      expect: 'history_edited',
      build: async (f) => {
        const a1 = f.audits[1]!;
        const path = auditPath(a1.snapshot_id, 'sharded');
        const edited = await withEntryHash({ ...JSON.parse(f.p.g(['show', `${REF}:${path}`])), summary: 'side edit' });
        const bad = commitFiles(f.gitdir, 'side', { [path]: pretty(edited) }, 'audit: fix', { parent: f.p.head() });
        const e = await sealedAudit({ card_key: 'git' });
        const side = commitFiles(
          f.gitdir,
          'side',
          {
            [path]: pretty(JSON.parse(f.p.g(['show', `${REF}:${path}`]))),
            [auditPath(e.snapshot_id, 'sharded')]: pretty(e),
          },
          'audit: git',
          { parent: bad },
        );
        const tree = f.p.treeAt(
          commitFiles(f.gitdir, 'tmp', { [auditPath(e.snapshot_id, 'sharded')]: pretty(e) }, 'x', {
            parent: f.p.head(),
          }),
        );
        f.p.setBranch(f.p.commit(tree, [f.p.head(), side], 'Merge side'));
      },
      incrementalToo: true,
    },
    {
      name: 'octopus merge whose third parent removes an entry without a delete commit',
      expect: 'history_edited',
      build: async (f) => {
        const x = await sealedAudit({ card_key: 'x' });
        const y = await sealedAudit({ card_key: 'y' });
        const s1 = commitFiles(f.gitdir, 's1', { [auditPath(x.snapshot_id, 'sharded')]: pretty(x) }, 'audit: x', {
          parent: f.p.head(),
        });
        const s2 = commitFiles(f.gitdir, 's2', { [auditPath(y.snapshot_id, 'sharded')]: pretty(y) }, 'audit: y', {
          parent: f.p.head(),
        });
        const s3 = commitFiles(f.gitdir, 's3', { [auditPath(f.audits[2]!.snapshot_id, 'sharded')]: null }, 'tidy', {
          parent: f.p.head(),
        });
        const tree = f.p.treeAt(
          commitFiles(
            f.gitdir,
            'tmp',
            { [auditPath(x.snapshot_id, 'sharded')]: pretty(x), [auditPath(y.snapshot_id, 'sharded')]: pretty(y) },
            'x',
            { parent: f.p.head() },
          ),
        );
        f.p.setBranch(f.p.commit(tree, [f.p.head(), s1, s2, s3], 'Merge'));
      },
    },
  ],
  duplicate_names: [
    {
      name: 'a shard tree with two entries of the same audit file name, the forged one first',
      expect: 'duplicate_name',
      build: async (f) => {
        const a0 = f.audits[0]!;
        const path = auditPath(a0.snapshot_id, 'sharded');
        const dir = path.slice(0, path.lastIndexOf('/'));
        const file = path.slice(dir.length + 1);
        const genuine = f.p.g(['rev-parse', `${REF}:${path}`]);
        const forged = f.p.blob(
          pretty(await withEntryHash({ ...JSON.parse(f.p.g(['show', `${REF}:${path}`])), summary: 'forged' })),
        );
        const rows = f.p.ls(`${REF}:${dir}`).map((r) => ({ mode: r.mode, name: r.name, oid: r.oid }));
        const leaf = f.p.rawTree(rows.flatMap((r) => (r.name === file ? [{ ...r, oid: forged }, r] : [r])));
        assert.ok(rows.some((r) => r.oid === genuine));
        f.p.setBranch(f.p.commit(f.p.replaceAt(f.p.treeAt(REF), dir, leaf), [f.p.head()], 'audit: nothing'));
      },
    },
    {
      name: 'a root tree with two `audits` subtrees',
      expect: 'duplicate_name',
      build: async (f) => {
        const e = await sealedAudit({ card_key: 'git' });
        const other = f.p.treeAt(
          commitFiles(f.gitdir, 'tmp', { [auditPath(e.snapshot_id, 'sharded')]: pretty(e) }, 'x', { parent: null }),
        );
        const rows = f.p.ls(f.p.treeAt(REF)).map((r) => ({ mode: r.mode, name: r.name, oid: r.oid }));
        const dupe = f.p.ls(other).find((r) => r.name === 'audits')!;
        const root = f.p.rawTree([{ mode: '40000', name: 'audits', oid: dupe.oid }, ...rows]);
        f.p.setBranch(f.p.commit(root, [f.p.head()], 'audit: git'));
      },
    },
    {
      name: 'a blob and a tree of the same name in one tree',
      expect: 'duplicate_name',
      build: (f) => {
        const rows = f.p.ls(f.p.treeAt(REF)).map((r) => ({ mode: r.mode, name: r.name, oid: r.oid }));
        const b = f.p.blob('shadow\n');
        const root = f.p.rawTree([{ mode: '100644', name: 'audits', oid: b }, ...rows]);
        f.p.setBranch(f.p.commit(root, [f.p.head()], 'x'));
      },
    },
    {
      name: 'duplicates hidden in the root commit of a fresh branch (nothing pinned)',
      expect: 'duplicate_name',
      build: async (f) => {
        rmSync(join(f.gitdir, 'scp-ledger-verified-head'));
        const e = await sealedAudit({ card_key: 'git' });
        const path = auditPath(e.snapshot_id, 'sharded');
        const b = f.p.blob(pretty(e));
        const leaf = f.p.rawTree([
          { mode: '100644', name: path.split('/')[3]!, oid: b },
          { mode: '100644', name: path.split('/')[3]!, oid: b },
        ]);
        const root = f.p.replaceAt(f.p.mktree([]), path.split('/').slice(0, 3).join('/'), leaf);
        f.p.setBranch(f.p.commit(root, [], 'ledger: init'));
      },
    },
    {
      name: "entries out of git's order (a second copy placed after a later name)",
      expect: ['malformed_tree', 'duplicate_name'],
      build: (f) => {
        const rows = f.p.ls(f.p.treeAt(REF)).map((r) => ({ mode: r.mode, name: r.name, oid: r.oid }));
        const root = f.p.rawTree([...rows].reverse());
        f.p.setBranch(f.p.commit(root, [f.p.head()], 'x'));
      },
    },
  ],
  duplicate_ids: [
    {
      name: 'one commit adds an audit at its sharded path and at the flat path',
      expect: 'duplicate_entry',
      build: async (f) => {
        const e = await sealedAudit({ card_key: 'git' });
        commitFiles(
          f.gitdir,
          BRANCH,
          {
            [auditPath(e.snapshot_id, 'sharded')]: pretty(e),
            [auditPath(e.snapshot_id, 'origin')]: pretty({ ...e, summary: 'other' }),
          },
          'audit: git',
        );
      },
    },
    {
      name: 'a later commit adds a flat copy of an id already sharded',
      expect: 'duplicate_entry',
      build: async (f) => {
        const a0 = f.audits[0]!;
        const copy = JSON.parse(f.p.g(['show', `${REF}:${auditPath(a0.snapshot_id, 'sharded')}`]));
        commitFiles(
          f.gitdir,
          BRANCH,
          { [auditPath(a0.snapshot_id, 'origin')]: pretty({ ...copy, summary: 'the other copy' }) },
          'audit: flat',
        );
      },
      incrementalToo: true,
    },
    {
      name: 'a run in both the sharded and the origin run directory',
      expect: 'duplicate_entry',
      build: (f) => {
        const r = f.run.run.run_id;
        const json = f.p.g(['show', `${REF}:${runDir(r, 'sharded')}/run.json`]);
        commitFiles(f.gitdir, BRANCH, { [`${runDir(r, 'origin')}/run.json`]: `${json}\n` }, 'ledger: run');
      },
    },
    {
      name: 'a sharded copy added after a flat one (origin layout first)',
      expect: 'duplicate_entry',
      build: async (f) => {
        const e = await sealedAudit({ card_key: 'git' });
        commitFiles(f.gitdir, BRANCH, { [auditPath(e.snapshot_id, 'origin')]: pretty(e) }, 'audit: git');
        commitFiles(f.gitdir, BRANCH, { [auditPath(e.snapshot_id, 'sharded')]: pretty({ ...e }) }, 'audit: git again');
      },
    },
  ],
  run_events: [
    {
      name: 'events.jsonl added later to a run written without events',
      expect: ['history_edited', 'hash_mismatch'],
      build: (f) => {
        commitFiles(
          f.gitdir,
          BRANCH,
          {
            [`${runDir(f.bare.run.run_id, 'sharded')}/events.jsonl`]:
              '{"seq":1,"ts":"2026-01-01T00:00:00Z","type":"step"}\n',
          },
          'ledger: events',
        );
      },
      incrementalToo: true,
    },
    {
      name: 'events.jsonl added later to a legacy (origin) run with no hash',
      expect: 'history_edited',
      build: (f) => {
        const legacy = { ...makeRun().run };
        commitFiles(
          f.gitdir,
          BRANCH,
          { [`${runDir(legacy.run_id, 'origin')}/run.json`]: pretty(legacy) },
          'ledger: legacy run',
        );
        commitFiles(
          f.gitdir,
          BRANCH,
          {
            [`${runDir(legacy.run_id, 'origin')}/events.jsonl`]:
              '{"seq":1,"ts":"2026-01-01T00:00:00Z","type":"step"}\n',
          },
          'ledger: events',
        );
      },
    },
    {
      name: 'a new run whose events.jsonl does not match the events_sha256 sealed into its run.json',
      expect: 'hash_mismatch',
      build: async (f) => {
        const r = makeRun({}, []);
        const run = await withEntryHash({
          ...r.run,
          events_sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
        } as Record<string, unknown>);
        const d = runDir(r.run.run_id, 'sharded');
        commitFiles(
          f.gitdir,
          BRANCH,
          {
            [`${d}/run.json`]: pretty(run),
            [`${d}/events.jsonl`]: '{"seq":1,"ts":"2026-01-01T00:00:00Z","type":"step"}\n',
          },
          'ledger: run',
        );
      },
    },
    {
      name: 'events.jsonl of a run replaced (content edited)',
      expect: 'history_edited',
      build: (f) => {
        commitFiles(
          f.gitdir,
          BRANCH,
          {
            [`${runDir(f.run.run.run_id, 'sharded')}/events.jsonl`]:
              '{"seq":1,"ts":"2026-01-01T00:00:00Z","type":"forged"}\n',
          },
          'ledger: events',
        );
      },
    },
  ],
  where: [
    {
      name: 'a fresh clone (only origin/scp-ledger) of a repository whose ledger was tampered with',
      expect: 'history_edited',
      build: async (f) => {
        const a0 = f.audits[0]!;
        commitFiles(f.gitdir, BRANCH, { [auditPath(a0.snapshot_id, 'sharded')]: null }, 'tidy');
        const clone = mkdtempSync(join(tmpdir(), 'scp-tamper-clone-'));
        execFileSync('git', ['clone', '-q', '--no-checkout', f.dir, clone]);
        assert.equal(gitRun(join(clone, '.git'), ['for-each-ref', '--format=%(refname)', REF]).trim(), '');
        rmSync(f.dir, { recursive: true, force: true });
        f.dir = clone;
        f.gitdir = join(clone, '.git');
      },
    },
    {
      name: 'a remote-tracking copy that diverged from the local branch carries the tampering',
      expect: 'history_edited',
      build: async (f) => {
        const a0 = f.audits[0]!;
        const c = commitFiles(f.gitdir, 'elsewhere', { [auditPath(a0.snapshot_id, 'sharded')]: null }, 'tidy', {
          parent: f.p.head(),
        });
        f.p.g(['update-ref', `refs/remotes/origin/${BRANCH}`, c]);
      },
      incrementalToo: true,
    },
  ],
};

describe('git ledger verify(): tamper corpus (native git plumbing)', () => {
  let f: Fixture;
  beforeEach(async () => {
    f = await fixture();
  });
  afterEach(() => rmSync(f.dir, { recursive: true, force: true }));

  for (const [klass, list] of Object.entries(cases)) {
    for (const c of list) {
      it(`${klass}: ${c.name}`, async () => {
        await c.build(f);
        const r = await verifyFull(f);
        const expected = Array.isArray(c.expect) ? c.expect : [c.expect];
        assert.equal(r.ok, false, `verify passed: ${JSON.stringify(r)}`);
        assert.ok(expected.includes(r.reason!), `expected ${expected.join('|')}, got ${r.reason}: ${r.message}`);
        assert.ok(r.checked.commits > 0 || r.reason === 'unrelated_history');
        if (c.incrementalToo) {
          const inc = await (await reopen(f)).verify();
          assert.equal(inc.ok, false, 'the default (incremental) verify must catch it too');
          assert.ok(expected.includes(inc.reason!), `incremental: ${inc.reason}`);
        }
      });
    }
  }

  it('tags: a tag no entry backs is reported and never served; a tag that disagrees with its entry is reported, the entry served', async () => {
    const main = commitFiles(f.gitdir, 'main', { 'README.md': 'x\n' }, 'initial');
    const ghost = makeRun().run;
    f.p.g(['tag', '-a', `scp/run/${ghost.run_id}`, '-m', JSON.stringify(ghost), main]);
    const a0 = f.audits[0]!;
    f.p.g([
      'tag',
      '-a',
      `scp/audit/${a0.snapshot_id}`,
      '-m',
      JSON.stringify({
        snapshot_id: a0.snapshot_id,
        card_key: a0.card_key,
        status: 'forged',
        iso: a0.iso,
        summary: 'forged',
      }),
      main,
    ]);
    const ghostAudit = makeAudit({ card_key: 'ghost' });
    f.p.g([
      'tag',
      '-a',
      `scp/audit/${ghostAudit.snapshot_id}`,
      '-m',
      JSON.stringify({
        snapshot_id: ghostAudit.snapshot_id,
        card_key: 'ghost',
        status: 'ok',
        iso: ghostAudit.iso,
        summary: '',
      }),
      main,
    ]);
    const l = await reopen(f);
    const r = await l.verify({ full: true });
    assert.deepEqual(
      r.notes
        ?.filter((n) => n.reason !== 'outside_ledger_areas')
        .map((n) => [n.reason, n.count])
        .sort(),
      [
        ['tag_mismatch', 1],
        ['unbacked_tag', 2],
      ],
    );
    assert.equal(await l.getRun(ghost.run_id), undefined);
    assert.equal(await l.getAudit(ghostAudit.snapshot_id), undefined);
    assert.equal((await l.getAudit(a0.snapshot_id))!.summary, a0.summary);
    const ids = (await l.list({ limit: 500 })).entries.map((e) => e.id);
    assert.ok(!ids.includes(ghost.run_id) && !ids.includes(ghostAudit.snapshot_id));
  });

  it("files outside the ledger's areas are reported as info, not failures", async () => {
    commitFiles(f.gitdir, BRANCH, { 'chat/threads/t1/thread.json': '{}\n', 'notes.txt': 'x\n' }, 'chat');
    const r = await verifyFull(f);
    assert.equal(r.ok, true, r.message);
    assert.deepEqual(
      r.notes?.map((n) => [n.reason, n.count]),
      [['outside_ledger_areas', 2]],
    );
  });

  it('"0 commits checked" is never ok while a ledger branch exists: a linked worktree and a fresh clone see the ledger', async () => {
    f.p.g(['update-ref', 'refs/heads/main', commitFiles(f.gitdir, 'main', { 'README.md': 'x\n' }, 'initial')]);
    f.p.g(['symbolic-ref', 'HEAD', 'refs/heads/main']);
    const wt = `${f.dir}-wt`;
    execFileSync('git', ['-C', f.dir, 'worktree', 'add', '-q', '--detach', wt, 'main']);
    const { openRepoLedger } = await import('../../../src/cli/open-ledger.js');
    const fromWt = await openRepoLedger(wt);
    const r = await fromWt.ledger.verify!({ full: true });
    assert.deepEqual([r.ok, r.checked.commits], [true, 3]);
    const clone = mkdtempSync(join(tmpdir(), 'scp-tamper-clone-'));
    try {
      execFileSync('git', ['clone', '-q', f.dir, clone]);
      const c = await (await createGitLedger({ fs, dir: clone })).verify();
      assert.deepEqual([c.ok, c.checked.commits, c.refs], [true, 3, [`refs/remotes/origin/${BRANCH}`]]);
    } finally {
      rmSync(clone, { recursive: true, force: true });
      rmSync(wt, { recursive: true, force: true });
    }
  });
});

describe('git ledger verify(): controls that must stay ok', () => {
  let f: Fixture;
  beforeEach(async () => {
    f = await fixture();
  });
  afterEach(() => rmSync(f.dir, { recursive: true, force: true }));

  it('after git gc --aggressive and git repack -adf', async () => {
    f.p.g(['gc', '-q', '--aggressive', '--prune=now']);
    assert.equal((await verifyFull(f)).ok, true);
    f.p.g(['repack', '-q', '-adf']);
    const r = await verifyFull(f);
    assert.deepEqual([r.ok, r.checked.commits], [true, 3]);
  });

  it('a clone and a mirror clone verify ok', async () => {
    for (const args of [
      ['clone', '-q'],
      ['clone', '-q', '--mirror'],
    ]) {
      const clone = mkdtempSync(join(tmpdir(), 'scp-ctl-clone-'));
      try {
        execFileSync('git', [...args, f.dir, clone]);
        const r = await (await createGitLedger({ fs, dir: clone })).verify();
        assert.equal(r.ok, true, r.message);
        assert.equal(r.checked.commits, 3);
      } finally {
        rmSync(clone, { recursive: true, force: true });
      }
    }
  });

  it('a native git merge of two appenders (and a delete on one side), incremental and full', async () => {
    const fork = f.p.head();
    // Appender A: our ledger. Appender B: another clone's ledger, merged back with git merge-tree.
    const clone = mkdtempSync(join(tmpdir(), 'scp-ctl-b-'));
    try {
      execFileSync('git', ['clone', '-q', '--bare', f.gitdir, clone]);
      const b = await createGitLedger({ fs, dir: clone });
      await b.write({ audits: [makeAudit({ card_key: 'b1' })], runs: [makeRun()] });
      await b.write({ audits: [makeAudit({ card_key: 'b2' })] });
      await f.ledger.write({ audits: [makeAudit({ card_key: 'a1' })] });
      await f.ledger.deleteAudit(f.audits[1]!.snapshot_id, { reason: 'duplicate scan' });
      f.p.g(['fetch', '-q', clone, `${REF}:refs/heads/from-b`]);
      const tree = f.p.g(['merge-tree', '--write-tree', REF, 'refs/heads/from-b']).split('\n')[0]!;
      f.p.setBranch(f.p.commit(tree, [f.p.head(), f.p.g(['rev-parse', 'refs/heads/from-b'])], 'Merge appender B'));
      gitRun(f.gitdir, ['branch', '-D', 'from-b']);
      const inc = await (await reopen(f)).verify();
      assert.equal(inc.ok, true, inc.message);
      assert.equal(inc.incremental, true);
      assert.equal(inc.checked.commits, 5);
      const r = await verifyFull(f);
      assert.equal(r.ok, true, r.message);
      assert.equal(r.checked.commits, 8);
      assert.ok(f.p.g(['merge-base', REF, fork]));
    } finally {
      rmSync(clone, { recursive: true, force: true });
    }
  });

  it('explicit deletes of sharded and flat audits, then more appends', async () => {
    const flat = await createGitLedger({ fs, dir: f.dir, layout: 'origin' });
    const x = makeAudit({ card_key: 'flat' });
    await flat.write({ audits: [x] });
    await f.ledger.deleteAudit(x.snapshot_id, { reason: 'flat copy' });
    await f.ledger.deleteAudit(f.audits[0]!.snapshot_id, { reason: 'wrong card' });
    await f.ledger.write({ audits: [makeAudit({ card_key: 'after' })] });
    const r = await verifyFull(f);
    assert.deepEqual([r.ok, r.checked.commits], [true, 7]);
  });
});
