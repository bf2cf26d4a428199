/**
 * Editing a tree by paths: only the trees on changed paths are rebuilt (read through the
 * repository's tree memo), and empty subtrees disappear.
 */
import { EMPTY_TREE, encodeTree, hashObject, sortTree, type RawObject, type TreeEntry } from './objects.js';

/** Where trees are read from and new ones remembered (the repository). */
export interface TreeSource {
  readTree(oid: string): Promise<TreeEntry[]>;
  rememberTree(oid: string, entries: TreeEntry[]): void;
}

/**
 * Apply path changes (blob oid to set, `null` to remove) to a tree, returning the new tree's oid
 * and pushing every new tree object to `out`.
 */
export async function editTree(
  repo: TreeSource,
  tree: string | undefined,
  changes: Map<string, string | null>,
  out: RawObject[],
): Promise<string> {
  const oid = await editLevel(repo, tree, changes, out);
  if (oid !== undefined) return oid;
  out.push(await hashObject('tree', new Uint8Array(0)));
  return EMPTY_TREE;
}

async function editLevel(
  repo: TreeSource,
  tree: string | undefined,
  changes: Map<string, string | null>,
  out: RawObject[],
): Promise<string | undefined> {
  const entries = new Map<string, TreeEntry>();
  if (tree && tree !== EMPTY_TREE) for (const e of await repo.readTree(tree)) entries.set(e.path, e);
  const sub = new Map<string, Map<string, string | null>>();
  for (const [path, oid] of changes) {
    const slash = path.indexOf('/');
    if (slash < 0) {
      if (oid === null) entries.delete(path);
      else entries.set(path, { mode: '100644', path, oid, type: 'blob' });
    } else {
      const head = path.slice(0, slash);
      let m = sub.get(head);
      if (!m) {
        m = new Map();
        sub.set(head, m);
      }
      m.set(path.slice(slash + 1), oid);
    }
  }
  await Promise.all(
    [...sub].map(async ([name, subChanges]) => {
      const existing = entries.get(name);
      const newOid = await editLevel(repo, existing?.type === 'tree' ? existing.oid : undefined, subChanges, out);
      if (newOid === undefined) entries.delete(name);
      else entries.set(name, { mode: '40000', path: name, oid: newOid, type: 'tree' });
    }),
  );
  if (entries.size === 0) return undefined;
  const sorted = sortTree([...entries.values()]);
  const obj = await hashObject('tree', encodeTree(sorted));
  repo.rememberTree(obj.oid, sorted);
  out.push(obj);
  return obj.oid;
}
