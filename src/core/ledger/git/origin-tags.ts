/**
 * The origin's per-entry annotated tags (`scp/audit/<id>`, `scp/run/<id>`), written with a save
 * when the ledger has `tags: true`. They point at the main repository's HEAD commit and carry the
 * entry's summary as JSON; the branch, not the tag, holds the entry.
 */
import type { PreparedBatch } from './batch.js';
import { person, type GitLedgerState } from './ledger-state.js';
import { encodeTag, hashObject } from './objects.js';
import { fsPromises } from './fs-promises.js';
import type { CommitExtras } from './write-loop.js';

/** The commit the main repository's HEAD names, unless HEAD is the ledger branch itself. */
async function mainHead(s: GitLedgerState): Promise<string | undefined> {
  try {
    const text = String(await fsPromises(s.fs).readFile(`${s.gitdir}/HEAD`, 'utf8')).trim();
    if (text === `ref: ${s.ref}`) return undefined; // the ledger branch is not the host's code
    return await s.repo.readRef('HEAD');
  } catch {
    return undefined;
  }
}

/** The tags of a batch's audits and runs, and the refs that name them. */
export async function originTags(
  s: GitLedgerState,
  prepared: PreparedBatch,
  actor: string | undefined,
): Promise<CommitExtras> {
  if (!s.options.tags) return { objects: [], refs: [] };
  const target = await mainHead(s);
  if (!target) return { objects: [], refs: [] }; // like the origin: no commit in the main repo, no tag
  const out: CommitExtras = { objects: [], refs: [] };
  const tagger = person(s, actor);
  const add = async (tag: string, message: string) => {
    const t = await hashObject('tag', encodeTag({ object: target, type: 'commit', tag, tagger, message }));
    out.objects.push(t);
    out.refs.push([`refs/tags/${tag}`, t.oid]);
  };
  for (const a of prepared.audits) {
    const { snapshot_id, card_key, status, iso, summary } = a;
    await add(`scp/audit/${snapshot_id}`, `${JSON.stringify({ snapshot_id, card_key, status, iso, summary })}\n`);
  }
  for (const r of prepared.runs) {
    const { sha256: _s, ...run } = r.run;
    await add(`scp/run/${r.run.run_id}`, `${JSON.stringify(run)}\n`);
  }
  return out;
}
