/**
 * What verify() checks beyond the commits: checkpoints a second party kept (signed by a trusted
 * key, their head still in the branch), the origin's per-entry tags, and the entry count a new
 * checkpoint states.
 */
import { classifyPath, entryPaths, SIGNERS_PATH } from './layout.js';
import type { TreeEntry } from './objects.js';
import type { Repo } from './repo.js';
import { openCheckpoint } from './signing/checkpoint.js';
import { anchorsOf, type SignaturePolicy } from './signing/policy.js';
import { parseAllowedSigners } from './signing/sshsig.js';
import { Finding, type Checker } from './verify-checker.js';
import { allCommits, uniqueCommits } from './verify-walk.js';

/** Notes on the origin's `scp/run/*` and `scp/audit/*` tags that no entry backs or that disagree with it. */
export async function checkTags(ck: Checker, repo: Repo, tree: string, head: string): Promise<void> {
  for (const [kind, prefix] of [
    ['run', 'refs/tags/scp/run/'],
    ['audit', 'refs/tags/scp/audit/'],
  ] as const) {
    for (const name of await repo.listRefs(prefix)) {
      const id = name.slice(prefix.length);
      let present: TreeEntry | undefined;
      for (const p of entryPaths(kind, id)) if (!present) present = await ck.lookup(tree, p, head);
      if (!present) {
        const deleted = kind === 'audit' && (await ck.wasDeleted(id, head));
        ck.notes.add(
          deleted ? 'tag_of_deleted_entry' : 'unbacked_tag',
          deleted ? 'tag(s) of deleted audits' : 'tag(s) no ledger entry backs (never served as entries)',
          name,
        );
        continue;
      }
      let msg: Record<string, unknown> | undefined;
      try {
        const oid = await repo.readRef(name);
        const tag = oid ? await repo.readTag(oid) : undefined;
        msg = tag ? JSON.parse(tag.message.trim()) : undefined;
      } catch {
        msg = undefined;
      }
      let entry: Record<string, unknown> | undefined;
      try {
        entry = JSON.parse(await ck.blobText(present.oid, head, name, id));
      } catch {
        entry = undefined;
      }
      const fields =
        kind === 'run'
          ? ['run_id', 'status', 'started_at', 'summary']
          : ['snapshot_id', 'card_key', 'status', 'iso', 'summary'];
      const agrees = msg && entry && fields.every((f) => msg![f] === undefined || msg![f] === entry![f]);
      if (!agrees)
        ck.notes.add('tag_mismatch', 'tag(s) that disagree with their ledger entry (reads use the entry)', name);
    }
  }
}

/** A kept checkpoint: signed by a trusted or enrolled key, and its head still in the branch. */
export async function checkCheckpoint(
  ck: Checker,
  text: string,
  head: string,
  tree: string,
  policy: SignaturePolicy | undefined,
): Promise<void> {
  let opened: Awaited<ReturnType<typeof openCheckpoint>>;
  try {
    opened = await openCheckpoint(text);
  } catch (e) {
    throw new Finding('bad_checkpoint', `A kept checkpoint does not verify: ${(e as Error).message}`);
  }
  const keys = policy ? anchorsOf(policy) : new Set<string>();
  const signers = await ck.lookup(tree, SIGNERS_PATH, head);
  if (signers)
    for (const k of parseAllowedSigners(await ck.blobText(signers.oid, head, SIGNERS_PATH, SIGNERS_PATH)).keys())
      keys.add(k);
  if (!keys.has(opened.key))
    throw new Finding(
      'bad_checkpoint',
      `A kept checkpoint is signed by a key that is neither pinned nor in allowed_signers (${opened.key.slice(0, 40)}...)`,
    );
  const cp = opened.body.head;
  if (cp === head) return;
  const { reachedCovered } = await uniqueCommits(ck, [head], (await ck.repo.hasObject(cp)) ? [cp] : []);
  if (reachedCovered.has(cp)) return;
  const behind = (await ck.repo.hasObject(cp)) && (await allCommits(ck, [cp])).has(head);
  throw behind
    ? new Finding(
        'rollback',
        `The ledger branch is behind a kept checkpoint (head ${cp}, ${opened.body.entries} entries at ${opened.body.time})`,
        cp,
      )
    : new Finding(
        'split_view',
        `The ledger branch does not contain the head of a kept checkpoint (${cp} at ${opened.body.time}): this copy and the one the checkpoint saw have split`,
        cp,
      );
}

/** Entries under the ledger's areas in `tree` (audit files and run directories). */
export async function countEntries(ck: Checker, tree: string, commit: string): Promise<number> {
  let n = 0;
  const walk = async (oid: string, prefix: string): Promise<void> => {
    const entries = await ck.tree(oid, commit);
    await Promise.all(
      entries.map(async (e) => {
        const path = `${prefix}${e.path}`;
        if (e.type === 'tree') return walk(e.oid, `${path}/`);
        const loc = classifyPath(path);
        if (loc && !('misplaced' in loc) && loc.part === 'entry') n++;
      }),
    );
  };
  await walk(tree, '');
  return n;
}
