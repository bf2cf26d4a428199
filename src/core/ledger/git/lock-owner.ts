/**
 * Who holds a lock: this process's identity (pid, host, start time; on Linux its start in clock
 * ticks, which tells a reused pid apart) and whether the owner a lock or file names is provably
 * gone. Browsers have no processes to name.
 */

export interface LockOwner {
  scp_lock: 1;
  token: string;
  pid: number;
  host: string;
  /** Process start (ms since epoch) and, on Linux, its start in clock ticks (tells pid reuse apart). */
  started: number;
  ticks?: string;
  at: number;
}

export interface ProcessIdentity {
  pid: number;
  host: string;
  started: number;
  ticks?: string;
  /** true alive, false provably gone, undefined unknown. */
  alive(pid: number, ticks?: string): boolean | undefined;
}

type NodeProcess = { pid: number; uptime(): number; kill(pid: number, signal: 0): void };

let identityPromise: Promise<ProcessIdentity | undefined> | undefined;

/** Who this process is (Node); undefined where there are no processes to name (browsers). */
export function processIdentity(): Promise<ProcessIdentity | undefined> {
  identityPromise ??= loadIdentity();
  return identityPromise;
}

async function loadIdentity(): Promise<ProcessIdentity | undefined> {
  const proc = (globalThis as { process?: NodeProcess & { versions?: { node?: string } } }).process;
  if (!proc || typeof proc.versions?.node !== 'string') return undefined;
  try {
    // Specifiers kept in variables so browser bundlers leave them alone.
    const osName = 'node:os';
    const fsName = 'node:fs';
    const os = await import(/* @vite-ignore */ osName);
    const fs = await import(/* @vite-ignore */ fsName);
    const ticksOf = (pid: number | 'self'): string | undefined => {
      try {
        const stat = String(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
        // Field 22 (starttime) counted after the command name, which may itself hold spaces.
        return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
      } catch {
        return undefined;
      }
    };
    return {
      pid: proc.pid,
      host: String(os.hostname()),
      started: Math.round(Date.now() - proc.uptime() * 1000),
      ticks: ticksOf('self'),
      alive(pid, ticks) {
        try {
          proc.kill(pid, 0);
        } catch (e) {
          const code = (e as { code?: string }).code;
          if (code === 'ESRCH') return false;
          if (code !== 'EPERM') return undefined;
        }
        if (ticks === undefined) return true;
        const now = ticksOf(pid);
        return now === undefined ? true : now === ticks;
      },
    };
  } catch {
    return undefined;
  }
}

/** A short tag for file names that tells which host and process wrote them. */
export function ownerTag(id: ProcessIdentity | undefined): string {
  if (!id) return 'x.0';
  return `${id.host.replace(/[^A-Za-z0-9-]/g, '').slice(0, 24) || 'host'}.${id.pid}`;
}

/** Is the process named by a file tag (`<host>.<pid>`) provably gone? */
export async function tagOwnerGone(tag: string): Promise<boolean> {
  const id = await processIdentity();
  if (!id) return false;
  const dot = tag.lastIndexOf('.');
  const pid = Number(tag.slice(dot + 1));
  if (tag.slice(0, dot) !== ownerTag(id).slice(0, ownerTag(id).lastIndexOf('.')) || !Number.isInteger(pid) || pid <= 0)
    return false;
  return pid !== id.pid && id.alive(pid) === false;
}

export function code(e: unknown): string | undefined {
  return (e as { code?: string })?.code;
}

export function parseOwner(text: string): LockOwner | undefined {
  try {
    const o = JSON.parse(text) as LockOwner;
    return o &&
      o.scp_lock === 1 &&
      typeof o.token === 'string' &&
      typeof o.pid === 'number' &&
      typeof o.host === 'string'
      ? o
      : undefined;
  } catch {
    return undefined;
  }
}
