/**
 * Cross-process locks for the git ledger, taken at git's lock path (`<ref>.lock`, so native git
 * sees the ref as locked) and naming their owner: pid, host, process start time and a token
 * unique to this acquisition.
 *
 * On a POSIX filesystem (node:fs) the lock is a directory, prepared privately and renamed into
 * place (atomic; refused while any lock is there). It holds `<token>.owner` and, for a ref update,
 * `<token>.value`, the new value of the ref. The owner moves the ref by renaming
 * `<ref>.lock/<token>.value` over the ref: that path exists only while this very lock is in place,
 * so the check "is the lock still mine?" and the update are one atomic step (git moves its lock
 * file onto the ref for the same reason; a directory lets the value carry the owner's token, so a
 * lock taken in its place afterwards can never be moved by mistake).
 *
 * - A lock is taken over only when its owner is provably gone (same host, pid not alive or reused)
 *   or the lock is older than LOCK_STALE_MS (another host, a stalled owner, a lock written by git).
 * - The take-over renames the whole lock away in one step, value included. An owner that stalled
 *   and was taken over then fails to move the ref (its value is gone) with a retryable
 *   ConflictError: never a write reported saved and then overwritten.
 * - Release removes only this lock's own files and then the directory if it is empty.
 * Where the fs has no hard links (browser filesystems, serialized by Web Locks) the lock is a file
 * created with an exclusive write, and the ref is moved after re-reading it (no other process can
 * take it over there).
 */
import { ConflictError } from '../../errors/index.js';
import type { FsPromises } from './fs-promises.js';
import { code, ownerTag, parseOwner, processIdentity, tagOwnerGone, type LockOwner } from './lock-owner.js';

/** A lock whose owner cannot be shown to be alive is taken over after this long. */
export const LOCK_STALE_MS = 10_000;

const random = () => Math.random().toString(36).slice(2, 10);

export interface HeldLock {
  path: string;
  token: string;
  since: number;
  /** The lock is a directory holding `<token>.owner` and maybe `<token>.value` (POSIX fs). */
  dir: boolean;
  /** The new value, for file locks (written and moved at commit time). */
  value?: string;
}

export interface Inspection {
  text: string;
  mtimeMs: number;
  owner?: LockOwner;
  stale: boolean;
  why: string;
}

/**
 * Locks under one git dir. `scratch` is a directory beside the refs (same filesystem) for the
 * private files: lock directories being prepared, stale locks being cleared, and (file locks) ref
 * values about to be moved in.
 */
export class LockManager {
  private made = false;
  /** POSIX rename semantics (node:fs, told apart by its hard links): directory locks. */
  private readonly dirs: boolean;

  constructor(
    private readonly p: FsPromises,
    readonly scratch: string,
  ) {
    this.dirs = typeof p.link === 'function';
  }

  private async ensureScratch(): Promise<void> {
    if (this.made) return;
    try {
      await this.p.mkdir(this.scratch);
    } catch (e) {
      if (code(e) !== 'EEXIST') throw e;
    }
    this.made = true;
  }

  /** A private file name in the scratch directory, tagged with this process. */
  async scratchPath(kind: string): Promise<string> {
    await this.ensureScratch();
    return `${this.scratch}/${ownerTag(await processIdentity())}.${random()}.${kind}`;
  }

  /**
   * One attempt: the lock, or undefined when a live owner holds it (stale locks are cleared first).
   * `value` is what `commit` will move onto the locked file.
   */
  async tryAcquire(path: string, value?: string): Promise<HeldLock | undefined> {
    for (let round = 0; round < 3; round++) {
      const held = await this.create(path, value);
      if (held) return held;
      const seen = await this.inspect(path);
      if (!seen) continue; // released meanwhile: try again
      if (!seen.stale) return undefined;
      await this.takeOver(path, seen);
    }
    return undefined;
  }

  private async create(path: string, value: string | undefined): Promise<HeldLock | undefined> {
    const id = await processIdentity();
    const token = `${Date.now().toString(36)}-${random()}`;
    const owner: LockOwner = {
      scp_lock: 1,
      token,
      pid: id?.pid ?? 0,
      host: id?.host ?? '',
      started: id?.started ?? 0,
      ...(id?.ticks !== undefined && { ticks: id.ticks }),
      at: Date.now(),
    };
    const body = `${JSON.stringify(owner)}\n`;
    if (this.dirs) {
      // A lock in place (not an emptied one): looked at without preparing ours. Only a hint: the
      // rename below is what decides.
      if (await this.busy(path)) return undefined;
      const own = await this.scratchPath('held');
      try {
        await this.p.mkdir(own);
        await this.p.writeFile(`${own}/${token}.owner`, body);
        if (value !== undefined) await this.p.writeFile(`${own}/${token}.value`, value);
        // Refused (ENOTEMPTY/EEXIST) while another lock directory is there, ENOTDIR for a lock
        // file (git's own); an empty directory is a released lock and is replaced.
        await this.p.rename(own, path);
      } catch (e) {
        await this.removeTree(own);
        if (['EEXIST', 'ENOTEMPTY', 'ENOTDIR', 'EISDIR'].includes(code(e) ?? '')) return undefined;
        // Windows refuses a rename onto an existing directory with EPERM.
        if (
          code(e) === 'EPERM' &&
          (await this.p.stat(path).then(
            () => true,
            () => false,
          ))
        )
          return undefined;
        throw e;
      }
      return { path, token, since: Date.now(), dir: true };
    }
    try {
      await this.p.writeFile(path, body, { flag: 'wx' } as unknown);
    } catch (e) {
      if (code(e) === 'EEXIST') return undefined;
      throw e;
    }
    return { path, token, since: Date.now(), dir: false, ...(value !== undefined && { value }) };
  }

  private async busy(path: string): Promise<boolean> {
    try {
      return !(await this.p.stat(path)).isDirectory() || (await this.p.readdir(path)).length > 0;
    } catch {
      return false;
    }
  }

  /** Remove a file or a (flat) directory of ours; missing is fine. */
  private async removeTree(path: string): Promise<void> {
    let names: string[] | undefined;
    try {
      names = await this.p.readdir(path);
    } catch {
      names = undefined;
    }
    if (!names) {
      await this.p.unlink(path).catch(() => undefined);
      return;
    }
    await Promise.all(names.map((n) => this.p.unlink(`${path}/${n}`).catch(() => undefined)));
    await this.rmdir(path);
  }

  private async rmdir(path: string): Promise<boolean> {
    if (typeof this.p.rmdir !== 'function') return false;
    try {
      await this.p.rmdir(path);
      return true;
    } catch {
      return false;
    }
  }

  /** What holds `path` and whether it may be taken over; undefined when there is no lock. */
  async inspect(path: string): Promise<Inspection | undefined> {
    let text: string;
    let mtimeMs: number;
    try {
      const st = await this.p.stat(path);
      mtimeMs = st.mtimeMs ?? Date.now();
      if (st.isDirectory()) {
        // Ours: the owner is in `<token>.owner`. An empty one is a lock being released.
        const name = (await this.p.readdir(path)).find((n) => n.endsWith('.owner'));
        text = name ? String(await this.p.readFile(`${path}/${name}`, 'utf8')) : '';
      } else {
        text = String(await this.p.readFile(path, 'utf8'));
      }
    } catch (e) {
      // Gone, or replaced between two reads (a file where a directory was): look again.
      if (code(e) === 'ENOENT' || code(e) === 'ENOTDIR') return undefined;
      throw e;
    }
    const owner = parseOwner(text);
    const age = Date.now() - mtimeMs;
    if (age > LOCK_STALE_MS)
      return { text, mtimeMs, ...(owner && { owner }), stale: true, why: `older than ${LOCK_STALE_MS / 1000} s` };
    if (owner) {
      const id = await processIdentity();
      if (id && owner.host === id.host && id.alive(owner.pid, owner.ticks) === false) {
        return { text, mtimeMs, owner, stale: true, why: `its owner (pid ${owner.pid}) is gone` };
      }
    }
    return {
      text,
      mtimeMs,
      ...(owner && { owner }),
      stale: false,
      why: owner ? `held by pid ${owner.pid} on ${owner.host}` : 'held by another git process',
    };
  }

  /**
   * Clear the stale lock `seen` atomically: move whatever is at `path` aside in one rename and
   * keep it off only if it is the lock judged stale. A lock file (git's own) taken since we looked
   * is linked back. A lock directory is never put back: if it was a fresh one, its owner finds its
   * value gone and retries, which is safe, where putting it back could orphan it. True when the
   * stale lock was removed.
   */
  async takeOver(path: string, seen: Inspection): Promise<boolean> {
    const aside = await this.scratchPath('stale');
    try {
      await this.p.rename(path, aside);
    } catch (e) {
      if (code(e) === 'ENOENT') return false; // someone else cleared it first
      throw e;
    }
    let same = false;
    let isDir = false;
    try {
      const st = await this.p.stat(aside);
      isDir = st.isDirectory();
      const now = await this.inspect(aside);
      same = now?.text === seen.text && (st.mtimeMs ?? 0) === seen.mtimeMs;
    } catch {
      same = false;
    }
    if (!same && !isDir && typeof this.p.link === 'function') {
      try {
        await this.p.link(aside, path);
      } catch {
        /* another lock is in place */
      }
    }
    await this.removeTree(aside);
    return same;
  }

  /**
   * Move the value given to tryAcquire onto `target` only while `held` is still in place; throws
   * a retryable ConflictError when the lock was taken over (nothing was changed then).
   */
  async commit(held: HeldLock, target: string, what: string): Promise<void> {
    const lost = () =>
      new ConflictError(`The lock on ${what} was taken over by another writer; try again`, {
        data: { ref: what, reason: 'locked' },
      });
    if (held.dir) {
      try {
        await this.p.rename(`${held.path}/${held.token}.value`, target);
      } catch (e) {
        if (code(e) === 'ENOENT' || code(e) === 'ENOTDIR') throw lost();
        throw e;
      }
      return;
    }
    // File locks (browsers): writers are serialized by Web Locks; the owner check is a guard.
    const staged = await this.scratchPath('ref');
    try {
      await this.p.writeFile(staged, held.value ?? '');
      await this.assertHeld(held, what);
      await this.p.rename(staged, target);
    } catch (e) {
      await this.p.unlink(staged).catch(() => undefined);
      throw e;
    }
  }

  /** File locks: throws a retryable ConflictError unless `held` is still this process's lock and young enough to act on. */
  async assertHeld(held: HeldLock, what: string): Promise<void> {
    let owner: LockOwner | undefined;
    try {
      owner = parseOwner(String(await this.p.readFile(held.path, 'utf8')));
    } catch {
      owner = undefined;
    }
    if (owner?.token !== held.token) {
      throw new ConflictError(`The lock on ${what} was taken over by another writer; try again`, {
        data: { ref: what, reason: 'locked' },
      });
    }
    if (Date.now() - held.since > LOCK_STALE_MS / 2) {
      throw new ConflictError(`The lock on ${what} was held too long to be trusted; try again`, {
        data: { ref: what, reason: 'locked' },
      });
    }
  }

  /** Give the lock up (only if it is still ours). */
  async release(held: HeldLock): Promise<void> {
    if (held.dir) {
      // Only this lock's own files can be named: another lock in its place is left alone, and the
      // directory goes only once empty.
      await this.p.unlink(`${held.path}/${held.token}.value`).catch(() => undefined);
      try {
        await this.p.unlink(`${held.path}/${held.token}.owner`);
      } catch {
        return;
      }
      await this.rmdir(held.path);
      return;
    }
    try {
      const owner = parseOwner(String(await this.p.readFile(held.path, 'utf8')));
      if (owner?.token === held.token) await this.p.unlink(held.path);
    } catch {
      /* gone already */
    }
  }

  /** Remove scratch files of processes that are gone (left by a kill), and old ones of unknown owners. */
  async sweep(maxAgeMs = 60 * 60_000): Promise<void> {
    let names: string[];
    try {
      names = await this.p.readdir(this.scratch);
    } catch {
      return;
    }
    await Promise.all(
      names.map(async (n) => {
        const m = /^(.+\.\d+)\.[a-z0-9]+\.[a-z]+$/.exec(n);
        let gone = m ? await tagOwnerGone(m[1]!) : false;
        if (!gone) {
          try {
            gone = Date.now() - ((await this.p.stat(`${this.scratch}/${n}`)).mtimeMs ?? Date.now()) > maxAgeMs;
          } catch {
            return;
          }
        }
        if (gone) await this.removeTree(`${this.scratch}/${n}`);
      }),
    );
  }
}
