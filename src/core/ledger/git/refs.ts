/**
 * The refs of one repository, read and written the way git keeps them (loose files, then
 * packed-refs); the ledger branch moves only by compare-and-swap under its `<ref>.lock`.
 */
import { ConflictError } from '../../errors/index.js';
import { isMissing, mkdirp, type FsPromises } from './fs-promises.js';
import type { LockManager } from './ref-lock.js';

export class RefStore {
  constructor(
    private readonly p: FsPromises,
    private readonly gitdir: string,
    private readonly locks: LockManager,
    /** Directories known to exist (shared with the repository's other writes). */
    private readonly dirs: Set<string>,
  ) {}

  /** A ref's value: its loose file, else packed-refs; symbolic refs are followed. */
  async readRef(ref: string, depth = 5): Promise<string | undefined> {
    let text: string | undefined;
    try {
      text = String(await this.p.readFile(`${this.gitdir}/${ref}`, 'utf8')).trim();
    } catch (e) {
      if (!isMissing(e) && (e as { code?: string })?.code !== 'EISDIR') throw e;
    }
    if (text === undefined) text = (await this.packedRefs()).get(ref);
    if (text === undefined || text === '') return undefined;
    if (text.startsWith('ref: ')) return depth > 0 ? this.readRef(text.slice(5).trim(), depth - 1) : undefined;
    return /^[0-9a-f]{40}$/.test(text) ? text : undefined;
  }

  async packedRefs(): Promise<Map<string, string>> {
    const map = new Map<string, string>();
    let text: string;
    try {
      text = String(await this.p.readFile(`${this.gitdir}/packed-refs`, 'utf8'));
    } catch {
      return map;
    }
    for (const line of text.split('\n')) {
      if (!line || line.startsWith('#') || line.startsWith('^')) continue;
      const sp = line.indexOf(' ');
      if (sp === 40) map.set(line.slice(41).trim(), line.slice(0, 40));
    }
    return map;
  }

  /** Names of refs under a prefix (e.g. `refs/tags/scp/run/`), loose and packed. */
  async listRefs(prefix: string): Promise<string[]> {
    const names = new Set<string>();
    const walk = async (rel: string): Promise<void> => {
      let list: string[];
      try {
        list = await this.p.readdir(`${this.gitdir}/${rel}`);
      } catch {
        return;
      }
      await Promise.all(
        list.map(async (n) => {
          if (n.endsWith('.lock')) return; // a lock (file, or our lock directory) is no ref
          const child = `${rel}/${n}`;
          let isDir = false;
          try {
            isDir = (await this.p.stat(`${this.gitdir}/${child}`)).isDirectory();
          } catch {
            return;
          }
          if (isDir) await walk(child);
          else names.add(child);
        }),
      );
    };
    await walk(prefix.replace(/\/$/, ''));
    for (const k of (await this.packedRefs()).keys()) if (k.startsWith(prefix)) names.add(k);
    return [...names].sort();
  }

  /**
   * Move `ref` from `expected` (undefined = must not exist) to `value`, the way git does, safely
   * against other processes: take `<ref>.lock` carrying the new value (naming this process; see
   * ref-lock.ts), re-check the old value, and move the value out of the lock onto the ref, which
   * succeeds only while the lock is still ours. Throws ConflictError (retryable) if the ref moved,
   * a live writer holds the lock, or the lock was taken over before the value moved.
   */
  async casRef(ref: string, expected: string | undefined, value: string): Promise<void> {
    const path = `${this.gitdir}/${ref}`;
    await mkdirp(this.p, path.slice(0, path.lastIndexOf('/')), this.dirs);
    const held = await this.locks.tryAcquire(`${path}.lock`, `${value}\n`);
    if (!held) {
      const seen = await this.locks.inspect(`${path}.lock`).catch(() => undefined);
      throw new ConflictError(
        `The ledger branch is being updated by another writer (${ref}.lock ${seen?.why ?? 'exists'})`,
        { data: { ref, reason: 'locked' } },
      );
    }
    try {
      const current = await this.readRef(ref, 0);
      if (current !== expected) {
        throw new ConflictError(
          `The ledger branch moved: expected ${expected ?? '(none)'}, found ${current ?? '(none)'}`,
          { data: { ref, expected: expected ?? null, actual: current ?? null } },
        );
      }
      await this.locks.commit(held, path, ref);
    } finally {
      await this.locks.release(held);
    }
  }

  async deleteRef(ref: string): Promise<void> {
    try {
      await this.p.unlink(`${this.gitdir}/${ref}`);
    } catch (e) {
      if (!isMissing(e)) throw e;
    }
  }

  /** Write a ref unconditionally (temp + rename): used for refs only we own (sync scratch, tags). */
  async setRef(ref: string, value: string): Promise<void> {
    const path = `${this.gitdir}/${ref}`;
    await mkdirp(this.p, path.slice(0, path.lastIndexOf('/')));
    const tmp = `${path}.tmp-${Math.random().toString(36).slice(2, 8)}`;
    await this.p.writeFile(tmp, `${value}\n`);
    await this.p.rename(tmp, path);
  }
}
