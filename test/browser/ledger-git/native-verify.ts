// Node side of the Chromium signing test: clone what the browser pushed and let native git and
// ssh-keygen judge every signed commit; then our own verify() in Node, pinned to the device key.
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import * as fs from 'node:fs';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGitLedger } from '../../../src/core/ledger/git/index.js';
import { splitSignedCommit } from '../../../src/core/ledger/git/signing/sshsig.js';

interface Job {
  done: boolean;
  result?: unknown;
  error?: string;
}
// Server commands time out after 20 s: the check runs as a job the browser polls.
const jobsHome = globalThis as { __scpNativeVerifyJobs?: Map<string, Job> };
jobsHome.__scpNativeVerifyJobs ??= new Map();
const jobs: Map<string, Job> = jobsHome.__scpNativeVerifyJobs;

export function startVerify(url: string, allowedText: string, deviceKey: string): string {
  const id = `job-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
  const job: Job = { done: false };
  jobs.set(id, job);
  verifySignedClone(url, allowedText, deviceKey)
    .then(
      (r) => {
        job.result = r;
      },
      (e) => {
        job.error = String((e as Error)?.stack ?? e);
      },
    )
    .finally(() => {
      job.done = true;
    });
  return id;
}

export function jobStatus(id: string): Job {
  return jobs.get(id) ?? { done: true, error: `no job ${id}` };
}

async function verifySignedClone(
  url: string,
  allowedText: string,
  deviceKey: string,
): Promise<{ signed: number; unsigned: number; ours: { ok: boolean; reason?: string; signatures?: number } }> {
  const dir = mkdtempSync(join(tmpdir(), 'scp-native-verify-'));
  try {
    // Async: the git server answering this clone runs in this same process.
    await promisify(execFile)('git', ['clone', '-q', '--no-checkout', url, join(dir, 'clone')]);
    const gitdir = join(dir, 'clone', '.git');
    const allowed = join(dir, 'allowed_signers');
    writeFileSync(allowed, allowedText);
    const shas = execFileSync('git', [`--git-dir=${gitdir}`, 'rev-list', 'origin/scp-ledger'], { encoding: 'utf8' })
      .trim()
      .split('\n');
    let signed = 0;
    let unsigned = 0;
    for (const sha of shas) {
      const raw = new Uint8Array(execFileSync('git', [`--git-dir=${gitdir}`, 'cat-file', 'commit', sha]));
      const split = splitSignedCommit(raw);
      if (!split) {
        unsigned++;
        continue;
      }
      // Throws (failing the test) when git or ssh-keygen rejects the signature.
      execFileSync(
        'git',
        [
          `--git-dir=${gitdir}`,
          '-c',
          'gpg.format=ssh',
          '-c',
          `gpg.ssh.allowedSignersFile=${allowed}`,
          'verify-commit',
          sha,
        ],
        { stdio: 'pipe' },
      );
      const sig = join(dir, 'sig');
      writeFileSync(sig, split.signature);
      execFileSync('ssh-keygen', ['-Y', 'verify', '-f', allowed, '-I', 'device', '-n', 'git', '-s', sig], {
        input: Buffer.from(split.payload),
        stdio: 'pipe',
      });
      signed++;
    }
    const ledger = await createGitLedger({ fs, dir: join(dir, 'clone'), signing: { pinned: [deviceKey] } });
    const r = await ledger.verify({ full: true });
    await ledger.close?.();
    return {
      signed,
      unsigned,
      ours: {
        ok: r.ok,
        ...(r.reason && { reason: r.reason }),
        ...(r.checked.signatures !== undefined && { signatures: r.checked.signatures }),
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
