/**
 * verify(): checks the ledger branch, re-hashing every object it reads, and reports the first
 * problem it finds. It never repairs anything.
 *
 * Where: every copy of the ledger branch in the repository — `refs/heads/<branch>` and each
 * remote-tracking `refs/remotes/<remote>/<branch>` (a fresh clone has only the latter). By default
 * only the commits added since the last verified head are checked (the same rules apply to them);
 * `{ full: true }` checks the whole history.
 *
 * Rules, for every commit (all parents of merges, not just first parents):
 * - every object reads and hashes to its name (`corrupt_object`); a tree never holds two entries
 *   of the same name (`duplicate_name`) and is in git's order (`malformed_tree`);
 * - the branch has one root: a merge with an unrelated history fails (`unrelated_history`);
 * - a commit with one parent (or the root) is an append: it only adds files; or an explicit delete
 *   (`audit: delete <id>` as first message line, removing only that audit's files and adding at
 *   most one `actions/` entry that records the delete of that audit). Anything else that changes or
 *   removes an entry is `history_edited`;
 * - a merge's tree is the union of its parents' trees: it changes nothing any parent holds, adds
 *   nothing no parent holds, and drops only audits an explicit delete removed (`history_edited`);
 * - an added entry sits where its id says and names that id (`path_mismatch`); its `sha256`
 *   equals entryHash(entry) (`hash_mismatch`; the origin's files carry none and are accepted
 *   without it, ours must); events.jsonl is one JSON object per line (`malformed_entry`);
 * - one id resolves to exactly one path: an entry added while another layout holds the same id
 *   is `duplicate_entry`;
 * - a run's events are fixed by `events_sha256` in its run.json (absent file = no events);
 *   events added to a run an earlier commit wrote are `history_edited`. Runs written before the
 *   hash existed are accepted when run.json and events.jsonl arrived in one commit (a note);
 * - the branch still contains the last verified head (`rewrite`) and is not behind it (`rollback`).
 * Notes (reported, not failures): files outside the ledger's areas (layout.ts LEDGER_AREAS), and
 * (full verify) `scp/run/*`, `scp/audit/*` tags that no entry backs or that disagree with it
 * (reads never serve tags as entries).
 */
import type { VerifyReport } from '../types.js';
import { SIGNERS_PATH } from './layout.js';
import { CorruptObjectError, type Repo } from './repo.js';
import { checkSignatures, SignatureFinding, type SignaturePolicy } from './signing/policy.js';
import { checkCheckpoint, checkTags, countEntries } from './verify-anchors.js';
import { Checker, Finding, type Commit } from './verify-checker.js';
import { checkCommit } from './verify-rules.js';
import { allCommits, parentsFirst, uniqueCommits } from './verify-walk.js';

export interface VerifyOptions {
  /** Check the whole history (default: only the commits after the last verified head). */
  full?: boolean;
  /** `false` is the same as `full: true`; `true` is the default. */
  incremental?: boolean;
  /** Signature rules (signing/policy.ts); default the ledger's own. */
  signatures?: SignaturePolicy;
  /** Checkpoints a second party kept: the branch must still contain each one's head. */
  checkpoints?: string[];
}

export interface VerifyContext {
  repo: Repo;
  /** `refs/heads/<branch>`. */
  ref: string;
  verifiedHead: { get(): Promise<string | undefined>; set(h: string): Promise<void> };
  signatures?: SignaturePolicy | undefined;
  /** Signs the checkpoint of a successful verify, when the ledger has a signing key. */
  checkpoint?: ((state: { head: string; entries: number }) => Promise<string | undefined>) | undefined;
}

/** Every copy of the ledger branch: the local one first, then remote-tracking ones. */
export async function ledgerRefs(repo: Repo, ref: string): Promise<{ name: string; oid: string }[]> {
  const branch = ref.replace(/^refs\/heads\//, '');
  const out: { name: string; oid: string }[] = [];
  const local = await repo.readRef(ref);
  if (local) out.push({ name: ref, oid: local });
  for (const name of await repo.listRefs('refs/remotes/')) {
    if (!name.endsWith(`/${branch}`) || name.split('/').length !== 4) continue;
    const oid = await repo.readRef(name);
    if (oid) out.push({ name, oid });
  }
  return out;
}

/** One verify pass: what every report carries, filled in as the pass goes. */
interface VerifyPass {
  ck: Checker;
  full: boolean;
  refs: { name: string; oid: string }[];
  head?: string | undefined;
  signatures?: number | undefined;
}

function baseOf(pass: VerifyPass) {
  const { ck, signatures } = pass;
  return {
    checked: { ...ck.checked, ...(signatures !== undefined && { signatures }) },
    refs: pass.refs.map((r) => r.name),
    incremental: !pass.full,
  };
}

export async function verifyLedger(ctx: VerifyContext, options: VerifyOptions = {}): Promise<VerifyReport> {
  const { repo } = ctx;
  const ck = new Checker(repo);
  await ck.loadShallow();
  const full = options.full === true || options.incremental === false;
  const pass: VerifyPass = { ck, full, refs: await ledgerRefs(repo, ctx.ref) };
  try {
    return await verifyPass(ctx, options, pass);
  } catch (e) {
    const { head } = pass;
    if (e instanceof Finding) {
      const notes = ck.notes.list();
      return {
        ok: false,
        reason: e.reason,
        message: e.message,
        ...baseOf(pass),
        ...(e.commit && { commit: e.commit }),
        ...(e.entry && { entry: e.entry }),
        ...(head && { head }),
        ...(notes.length && { notes }),
      };
    }
    if (e instanceof CorruptObjectError)
      return {
        ok: false,
        reason: 'corrupt_object',
        message: e.message,
        commit: e.oid,
        ...baseOf(pass),
        ...(head && { head }),
      };
    throw e;
  }
}

async function verifyPass(ctx: VerifyContext, options: VerifyOptions, pass: VerifyPass): Promise<VerifyReport> {
  const { ck, full, refs } = pass;
  const base = () => baseOf(pass);
  const last = await ctx.verifiedHead.get();
  if (refs.length === 0) {
    if (last)
      return {
        ok: false,
        reason: 'rollback',
        message: `The ledger branch is gone; it was last verified at ${last}`,
        commit: last,
        ...base(),
      };
    return { ok: true, ...base() };
  }
  // The local branch is the one the verified mark follows; a fresh clone has only a remote copy.
  const head = refs[0]!.oid;
  pass.head = head;
  const lastKnown = last && (await ck.repo.hasObject(last)) ? last : undefined;
  if (last && last !== head) {
    const moved = await lostVerifiedHead(ck, last, lastKnown, head);
    if (moved) return { ...moved, ...base() };
  }
  const order = await parentsFirst(ck, await commitsToCheck(ck, pass, lastKnown));
  const roots = order.filter((c) => c.parents.length === 0 && !ck.shallow.has(c.oid));
  if (roots.length > (full || !lastKnown ? 1 : 0)) {
    const extra = roots[roots.length - 1]!;
    throw new Finding(
      'unrelated_history',
      `The ledger branch joins unrelated histories (root commits ${roots.map((r) => r.oid.slice(0, 12)).join(', ')}): a ledger has one beginning`,
      extra.oid,
    );
  }
  for (const c of order) await checkCommit(ck, c);
  const headCommit = await ck.commit(head);
  const policy = options.signatures ?? ctx.signatures;
  if (policy) pass.signatures = await signaturesOf(ck, order, head, policy);
  for (const text of options.checkpoints ?? []) await checkCheckpoint(ck, text, head, headCommit.tree, policy);
  if (full) await checkTags(ck, ck.repo, headCommit.tree, head);
  if (ck.reachedShallow.size) {
    // What is here verified; what lies below the boundary was never fetched, so it is unchecked
    // and the verified mark does not move.
    const below = [...ck.reachedShallow];
    return {
      ok: true,
      head,
      ...base(),
      shallow: below,
      message: `history is shallow below ${below.join(', ')}; fetch with --unshallow to verify all of it`,
    };
  }
  await ctx.verifiedHead.set(head);
  const notes = ck.notes.list();
  const checkpoint = ctx.checkpoint
    ? await ctx.checkpoint({ head, entries: await countEntries(ck, headCommit.tree, head) })
    : undefined;
  return { ok: true, head, ...base(), ...(notes.length && { notes }), ...(checkpoint && { checkpoint }) };
}

/** The branch no longer contains the last verified head: taken back (`rollback`) or rewritten. */
async function lostVerifiedHead(ck: Checker, last: string, lastKnown: string | undefined, head: string) {
  const { reachedCovered } = await uniqueCommits(ck, [head], lastKnown ? [lastKnown] : []);
  if (lastKnown && reachedCovered.has(lastKnown)) return undefined;
  const behind = lastKnown ? (await allCommits(ck, [lastKnown])).has(head) : false;
  return behind
    ? {
        ok: false as const,
        reason: 'rollback',
        message: `The ledger branch is behind the last verified head ${last}: entries were taken away`,
        commit: last,
        head,
      }
    : {
        ok: false as const,
        reason: 'rewrite',
        message: `The ledger branch no longer contains the last verified head ${last}: its history was rewritten`,
        commit: last,
        head,
      };
}

/** The whole history, or what each copy of the branch adds beyond the last verified head. */
async function commitsToCheck(ck: Checker, pass: VerifyPass, lastKnown: string | undefined): Promise<Set<string>> {
  const tips = [...new Set(pass.refs.map((r) => r.oid))];
  if (pass.full || !lastKnown) return allCommits(ck, tips);
  const toCheck = new Set<string>();
  // Everything the last verified head reaches was checked before; each copy of the branch
  // contributes what it adds beyond that.
  for (const t of tips) for (const oid of (await uniqueCommits(ck, [t], [lastKnown])).unique) toCheck.add(oid);
  return toCheck;
}

/** The signature rules over the checked commits; resolves how many signatures were checked. */
async function signaturesOf(ck: Checker, order: Commit[], head: string, policy: SignaturePolicy): Promise<number> {
  try {
    return await checkSignatures(
      {
        readCommit: (oid) => ck.commit(oid),
        lookup: (tree, path) => ck.lookup(tree, path, head),
        blobText: (oid) => ck.blobText(oid, head, SIGNERS_PATH, SIGNERS_PATH),
      },
      order,
      head,
      policy,
    );
  } catch (e) {
    if (e instanceof SignatureFinding) throw new Finding(e.reason, e.message, e.commit);
    throw e;
  }
}
