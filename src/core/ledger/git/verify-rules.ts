/**
 * verify()'s rules for one commit (listed in verify.ts): appends, explicit deletes, the entries a
 * commit adds (placement, JSON, hashes, run events) and merges.
 */
import { canonicalJson } from '../../hash/index.js';
import { idProblem } from '../../ids.js';
import { classifyPath, entryPaths, SIGNERS_PATH, type EntryLocation } from './layout.js';
import { getCodec } from './platform.js';
import { Finding, isDeleteOf, type Change, type Checker, type Commit } from './verify-checker.js';

/** The rules for one commit (see verify.ts). */
export async function checkCommit(ck: Checker, c: Commit): Promise<void> {
  ck.checked.commits++;
  if (c.parents.length > 1) return checkMerge(ck, c);
  const parentTree = c.parents[0] ? (await ck.commit(c.parents[0])).tree : undefined;
  const changes = (await ck.diff(parentTree, c.tree, c.oid)).sort((a, b) =>
    a.path < b.path ? -1 : a.path > b.path ? 1 : 0,
  );
  const deleting = isDeleteOf(c.message);
  if (deleting !== undefined && c.parents.length === 1) return checkDelete(ck, c, deleting, changes);
  const added = new Map<string, { loc: EntryLocation; change: Change }[]>();
  for (const x of changes) {
    if (x.path === SIGNERS_PATH) continue; // judged by the signature rules
    const loc = classifyPath(x.path);
    if (loc === undefined) {
      ck.notes.add('outside_ledger_areas', "file(s) outside the ledger's areas, not judged", x.path);
      continue;
    }
    const id = 'misplaced' in loc ? x.path : loc.id;
    if (x.before && x.after)
      throw new Finding(
        'history_edited',
        `Commit ${c.oid} changes ${x.path}, which an earlier commit wrote (entries are never edited)`,
        c.oid,
        id,
      );
    if (x.before && !x.after)
      throw new Finding('history_edited', `Commit ${c.oid} removes ${x.path} without being a delete commit`, c.oid, id);
    if ('misplaced' in loc) throw new Finding('path_mismatch', `${x.path}: ${loc.reason}`, c.oid, x.path);
    if (idProblem(loc.id))
      throw new Finding('path_mismatch', `${x.path}: "${loc.id}" is not a valid id`, c.oid, loc.id);
    const key = `${loc.kind}:${loc.id}`;
    let list = added.get(key);
    if (!list) {
      list = [];
      added.set(key, list);
    }
    list.push({ loc, change: x });
  }
  for (const files of added.values()) await checkEntry(ck, c, files);
}

/** An explicit delete: it removes only that audit's files and adds at most its own delete record. */
async function checkDelete(ck: Checker, c: Commit, deleting: string, changes: Change[]): Promise<void> {
  // The delete's own record (who, why) may arrive in the same commit: one new action entry.
  const isRecord = (x: Change) => {
    const l = classifyPath(x.path);
    return !x.before && !!x.after && !!l && !('misplaced' in l) && l.kind === 'action';
  };
  const records = changes.filter(isRecord);
  const removes = changes.filter((x) => !isRecord(x));
  const fine =
    removes.length > 0 &&
    records.length <= 1 &&
    removes.every((x) => {
      const loc = classifyPath(x.path);
      return x.before && !x.after && loc && !('misplaced' in loc) && loc.kind === 'audit' && loc.id === deleting;
    });
  if (!fine)
    throw new Finding(
      'history_edited',
      `Commit ${c.oid} says "audit: delete ${deleting}" but changes more than that audit's file and its delete record`,
      c.oid,
      deleting,
    );
  for (const x of records) {
    const loc = classifyPath(x.path) as EntryLocation;
    await checkEntry(ck, c, [{ loc, change: x }]);
    const rec = JSON.parse(await ck.blobText(x.after!, c.oid, x.path, loc.id)) as {
      action?: unknown;
      targets?: { id?: unknown }[];
    };
    if (rec.action !== 'delete' || !Array.isArray(rec.targets) || !rec.targets.some((t) => t?.id === deleting)) {
      throw new Finding(
        'history_edited',
        `Commit ${c.oid} deletes ${deleting} but its action entry ${x.path} records something else`,
        c.oid,
        deleting,
      );
    }
  }
  ck.deleted.add(deleting);
}

/** The files one commit added for one entry (an audit file, or a run's run.json / events.jsonl). */
async function checkEntry(ck: Checker, c: Commit, files: { loc: EntryLocation; change: Change }[]): Promise<void> {
  const { kind, id } = files[0]!.loc;
  const main = files.find((f) => f.loc.part === 'entry');
  const events = files.find((f) => f.loc.part === 'events');
  if (files.length > 2 || (main && events && main.loc.layout !== events.loc.layout)) {
    throw new Finding(
      'duplicate_entry',
      `Commit ${c.oid} adds ${kind} ${id} at ${files.map((f) => f.change.path).join(' and ')}`,
      c.oid,
      id,
    );
  }
  if (!main) {
    throw new Finding(
      'history_edited',
      `Commit ${c.oid} adds ${events!.change.path} to a run an earlier commit wrote (events are fixed with their run)`,
      c.oid,
      id,
    );
  }
  // One id, one path: no other layout may hold the same id in this commit's tree.
  for (const other of entryPaths(kind, id)) {
    if (other === main.change.path) continue;
    if (await ck.lookup(c.tree, other, c.oid)) {
      throw new Finding(
        'duplicate_entry',
        `${kind} ${id} is at both ${main.change.path} and ${other} after commit ${c.oid} (one id must resolve to one path)`,
        c.oid,
        id,
      );
    }
  }
  const path = main.change.path;
  const text = await ck.blobText(main.change.after!, c.oid, path, id);
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(text);
  } catch {
    throw new Finding('malformed_entry', `${path} is not JSON`, c.oid, id);
  }
  if (!entry || typeof entry !== 'object' || Array.isArray(entry))
    throw new Finding('malformed_entry', `${path} is not a JSON object`, c.oid, id);
  const named = kind === 'audit' ? entry.snapshot_id : kind === 'run' ? entry.run_id : entry.action_id;
  if (named !== id)
    throw new Finding('path_mismatch', `${path} holds ${kind} "${String(named)}", not "${id}"`, c.oid, id);
  const codec = await getCodec(); // node:crypto where present: far cheaper per call than WebCrypto
  if (typeof entry.sha256 === 'string') {
    const { sha256: _stored, ...rest } = entry;
    const h = await codec.sha256Hex(canonicalJson(rest));
    if (h !== entry.sha256)
      throw new Finding(
        'hash_mismatch',
        `${path}: content does not match its sha256 (stored ${entry.sha256}, computed ${h})`,
        c.oid,
        id,
      );
  } else if (main.loc.layout === 'sharded') {
    throw new Finding('hash_mismatch', `${path} carries no sha256`, c.oid, id);
  }
  ck.checked.entries++;
  if (kind !== 'run') return;
  await checkRunEvents(ck, c, id, entry, events);
}

/** A run's events.jsonl: one JSON object per line, fixed by the `events_sha256` in its run.json. */
async function checkRunEvents(
  ck: Checker,
  c: Commit,
  id: string,
  entry: Record<string, unknown>,
  events: { loc: EntryLocation; change: Change } | undefined,
): Promise<void> {
  const codec = await getCodec();
  const eventsText = events ? await ck.blobText(events.change.after!, c.oid, events.change.path, id) : '';
  if (events) {
    for (const [i, line] of eventsText.split('\n').entries()) {
      if (line.trim() === '') continue;
      let ev: unknown;
      try {
        ev = JSON.parse(line);
      } catch {
        ev = undefined;
      }
      if (!ev || typeof ev !== 'object' || Array.isArray(ev))
        throw new Finding('malformed_entry', `${events.change.path} line ${i + 1} is not a JSON object`, c.oid, id);
    }
    ck.checked.entries++;
  }
  if (typeof entry.events_sha256 === 'string') {
    const h = await codec.sha256Hex(eventsText);
    if (h !== entry.events_sha256) {
      throw new Finding(
        'hash_mismatch',
        `The events of run ${id} do not match the events_sha256 in its run.json${events ? '' : ' (the run was written without events)'}`,
        c.oid,
        id,
      );
    }
  } else {
    ck.notes.add(
      'legacy_run_events',
      'run(s) written before events were hashed (accepted: their events arrived with run.json)',
      id,
    );
  }
}

/** A merge's tree must be the union of its parents' trees (less audits explicitly deleted). */
async function checkMerge(ck: Checker, c: Commit): Promise<void> {
  const parents = await Promise.all(c.parents.map((p) => ck.commit(p)));
  for (const [i, p] of parents.entries()) {
    for (const x of await ck.diff(p.tree, c.tree, c.oid)) {
      if (x.path === SIGNERS_PATH) continue;
      const loc = classifyPath(x.path);
      if (loc === undefined) continue; // outside the ledger's areas: not judged (noted where added)
      const id = 'misplaced' in loc ? x.path : loc.id;
      if (x.before && x.after)
        throw new Finding('history_edited', `Merge ${c.oid} changes ${x.path} from its parent ${p.oid}`, c.oid, id);
      if (x.before) {
        const explained = !('misplaced' in loc) && loc.kind === 'audit' && (await ck.wasDeleted(loc.id, c.oid));
        if (!explained)
          throw new Finding(
            'history_edited',
            `Merge ${c.oid} drops ${x.path}, which its parent ${p.oid} holds (a merge is the union of its parents)`,
            c.oid,
            id,
          );
        continue;
      }
      let inOther = false;
      for (const [j, q] of parents.entries()) {
        if (j === i) continue;
        const e = await ck.lookup(q.tree, x.path, c.oid);
        if (e && e.oid === x.after) {
          inOther = true;
          break;
        }
      }
      if (!inOther)
        throw new Finding(
          'history_edited',
          `Merge ${c.oid} adds ${x.path}, which none of its parents holds (a merge is the union of its parents)`,
          c.oid,
          id,
        );
    }
  }
}
