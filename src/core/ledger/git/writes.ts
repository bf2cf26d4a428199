/**
 * The git ledger's writes: a batch of entries saved as one commit, an audit deleted (its record
 * in the same commit), and the branch's `allowed_signers` replaced. Each runs under the write
 * lock and goes through the commit-and-swap loop of write-loop.ts.
 */
import { ConflictError, NotFoundError } from '../../errors/index.js';
import { assertValidId } from '../../ids.js';
import type { SavedAudit } from '../../schemas/audit.js';
import { checkDeleteReason, deleteActionOf, targetOf } from '../actions.js';
import { actionMetaOf, auditMetaOf, runMetaOf } from '../query.js';
import type { DeleteOptions, LedgerBatch, WriteResult } from '../types.js';
import { commitMessage, prepareBatch, seal, type PreparedBatch } from './batch.js';
import { indexOwnCommit } from './index-catch-up.js';
import { actionPath, auditPath, auditPaths, eventsJsonl, prettyJson, runDir, SIGNERS_PATH } from './layout.js';
import { head, treeOf, type GitLedgerState } from './ledger-state.js';
import { hashObject } from './objects.js';
import { originTags } from './origin-tags.js';
import { utf8 } from './platform.js';
import { findAction, findAudit, findRun, parseJson } from './reads.js';
import { asWriteError, commitChanges } from './write-loop.js';

/** The files a batch adds, at their paths in the ledger's layout. */
function batchFiles(s: GitLedgerState, prepared: PreparedBatch): { path: string; text: string }[] {
  const files: { path: string; text: string }[] = [];
  for (const a of prepared.audits) files.push({ path: auditPath(a.snapshot_id, s.layout), text: prettyJson(a) });
  for (const r of prepared.runs) {
    const d = runDir(r.run.run_id, s.layout);
    files.push({ path: `${d}/run.json`, text: prettyJson(r.run) });
    if (r.events.length) files.push({ path: `${d}/events.jsonl`, text: eventsJsonl(r.events) });
  }
  for (const a of prepared.actions) files.push({ path: actionPath(a.action_id), text: prettyJson(a) });
  return files;
}

/**
 * The paths of `tree` that already hold exactly what the batch would put there. An entry already
 * there with exactly these bytes is this write landing twice (retried after a crash):
 * idempotent. Different bytes under the same id are a conflict.
 */
async function alreadyThere(
  s: GitLedgerState,
  tree: string,
  prepared: PreparedBatch,
  byPath: Map<string, string>,
): Promise<Set<string>> {
  const { repo, layout } = s;
  const taken: string[] = [];
  const same = new Set<string>();
  await Promise.all([
    ...prepared.audits.map(async (a) => {
      const found = await findAudit(repo, tree, a.snapshot_id);
      if (!found) return;
      const mine = auditPath(a.snapshot_id, layout);
      if (found.path === mine && found.oid === byPath.get(mine)) same.add(mine);
      else taken.push(a.snapshot_id);
    }),
    ...prepared.runs.map(async (r) => {
      const found = await findRun(repo, tree, r.run.run_id);
      if (!found) return;
      const d = runDir(r.run.run_id, layout);
      const entries = found.dir === d ? await repo.readTree(found.oid) : [];
      const mine = [...byPath].filter(([p]) => p.startsWith(`${d}/`));
      const equal =
        entries.length === mine.length &&
        mine.every(([p, oid]) => entries.some((e) => `${d}/${e.path}` === p && e.oid === oid));
      if (equal) for (const [p] of mine) same.add(p);
      else taken.push(r.run.run_id);
    }),
    ...prepared.actions.map(async (a) => {
      const found = await findAction(repo, tree, a.action_id);
      if (!found) return;
      if (found.oid === byPath.get(found.path)) same.add(found.path);
      else taken.push(a.action_id);
    }),
  ]);
  if (taken.length) {
    throw new ConflictError(
      `Already in the ledger: ${taken.join(', ')} (saved entries are never overwritten; use a new id)`,
      { data: { ids: taken, reason: 'exists' } },
    );
  }
  return same;
}

export async function write(s: GitLedgerState, batch: LedgerBatch): Promise<WriteResult> {
  return s.lock(async () => {
    const prepared = await prepareBatch(batch);
    try {
      const files = batchFiles(s, prepared);
      const blobs = await Promise.all(files.map((f) => hashObject('blob', utf8.encode(f.text))));
      const changes = new Map<string, string | null>(files.map((f, i) => [f.path, blobs[i]!.oid]));
      const message = batch.message
        ? batch.message.endsWith('\n')
          ? batch.message
          : `${batch.message}\n`
        : commitMessage(prepared);
      const byPath = new Map(files.map((f, i) => [f.path, blobs[i]!.oid]));
      const { old, commit } = await commitChanges(s, {
        changes,
        blobs,
        message,
        actor: batch.actor,
        check: (tree) => alreadyThere(s, tree, prepared, byPath),
        extra: () => originTags(s, prepared, batch.actor),
      });
      // Merging the per-batch packs runs after this save, in turn with later writes; its failure
      // never turns a landed commit into a failed save.
      if (commit !== old && s.repo.wantsRepack()) void s.lock(() => s.repo.repack()).catch(() => undefined);
      const put = [
        ...prepared.audits.map((a) => auditMetaOf(a, commit)),
        ...prepared.runs.map((r) => runMetaOf(r, commit)),
        ...prepared.actions.map((a) => actionMetaOf(a, commit)),
      ];
      if (commit !== old) await indexOwnCommit(s, old, commit, put, []);
      return { commit, ids: prepared.ids };
    } catch (e) {
      asWriteError(s, e, prepared.ids);
    }
  });
}

export async function deleteAudit(s: GitLedgerState, id: string, opts: DeleteOptions = {}): Promise<WriteResult> {
  assertValidId(id, 'audit');
  checkDeleteReason(id, opts);
  const { repo } = s;
  return s.lock(async () => {
    try {
      const notFound = () =>
        new NotFoundError(`Audit "${id}" is not in the ledger (it may have been deleted already)`, {
          data: { kind: 'audit', id },
        });
      const h = await head(s);
      if (!h) throw notFound();
      const found = await findAudit(repo, await treeOf(s, h), id);
      if (!found) throw notFound();
      const changes = new Map<string, string | null>([[found.path, null]]);
      // The origin layout may also hold a copy under the other path: remove every copy.
      for (const path of auditPaths(id))
        if (path !== found.path && (await repo.lookup(await treeOf(s, h), path.split('/')))) changes.set(path, null);
      // The delete's record (who, why, when; the audit's id, card and hash, not its data) lands in the same commit.
      const gone = parseJson(await repo.readBlob(found.oid), found.path) as SavedAudit;
      const action = await seal(deleteActionOf(targetOf(gone), opts), 'delete action');
      const blob = await hashObject('blob', utf8.encode(prettyJson(action)));
      changes.set(actionPath(action.action_id), blob.oid);
      const { old, commit } = await commitChanges(s, {
        changes,
        blobs: [blob],
        message: `audit: delete ${id}\n\n${action.reason}\n`,
        actor: opts.actor,
        check: async (tree) => {
          if (!(await findAudit(repo, tree, id))) throw notFound();
        },
      });
      await indexOwnCommit(s, old, commit, [actionMetaOf(action, commit)], [{ kind: 'audit', id }]);
      // The origin's tag for this audit would otherwise outlive it (verify would note it).
      await repo.deleteRef(`refs/tags/scp/audit/${id}`).catch(() => undefined);
      return { commit, ids: [id], action_id: action.action_id };
    } catch (e) {
      asWriteError(s, e, [id]);
    }
  });
}

export async function setAllowedSigners(
  s: GitLedgerState,
  text: string,
  opts: { actor?: string } = {},
): Promise<WriteResult> {
  return s.lock(async () => {
    try {
      const blob = await hashObject('blob', utf8.encode(text.endsWith('\n') || text === '' ? text : `${text}\n`));
      const { commit } = await commitChanges(s, {
        changes: new Map([[SIGNERS_PATH, blob.oid]]),
        blobs: [blob],
        message: 'ledger: allowed signers\n',
        actor: opts.actor,
      });
      return { commit, ids: [] };
    } catch (e) {
      asWriteError(s, e, []);
    }
  });
}
