// The cost of signed ledger commits in Node: signing one commit (SSHSIG over a real ledger commit
// object, Ed25519 from an OpenSSH key file), and checking the signatures of 1,000 commits as
// verify() does (split the gpgsig header off, check the SSHSIG signature). Baseline in the same
// run: a ledger write of one audit without signing, against the same write signed.
// Run alone: node --import tsx bench/signing.bench.ts [--n 1000]
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createGitLedger } from '../src/core/ledger/git/index.js';
import { openSshKeySigner } from '../src/core/ledger/git/signing/signers.js';
import { splitSignedCommit, sshSign, sshVerify, withSignatureHeader } from '../src/core/ledger/git/signing/sshsig.js';
import { makeAudit } from '../test/contract/ledger.js';
import { numberArg } from './args.js';

const n = numberArg('n') ?? 1000;
const dir = mkdtempSync(join(tmpdir(), 'scp-bench-sign-'));
try {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'key')]);
  const signer = await openSshKeySigner(readFileSync(join(dir, 'key'), 'utf8'));
  const payload = new TextEncoder().encode(
    `tree ${'a'.repeat(40)}\nparent ${'b'.repeat(40)}\nauthor scp-ledger <scp-ledger@localhost> 1770000000 +0000\ncommitter scp-ledger <scp-ledger@localhost> 1770000000 +0000\n\nledger: save 20 audits\n`,
  );
  let t0 = performance.now();
  const raws: Uint8Array[] = [];
  for (let i = 0; i < n; i++) raws.push(withSignatureHeader(payload, await sshSign(signer, payload, 'git')));
  const signMs = (performance.now() - t0) / n;
  t0 = performance.now();
  for (const raw of raws) {
    const s = splitSignedCommit(raw)!;
    if (!(await sshVerify(s.signature, s.payload, 'git')).ok) throw new Error('signature did not verify');
  }
  const verifyMs = performance.now() - t0;
  console.log(`  sign one commit: ${signMs.toFixed(3)} ms (mean of ${n})`);
  console.log(`  check the signatures of 1,000 commits: ${((verifyMs * 1000) / n).toFixed(0)} ms`);
  // In context: one-audit writes, unsigned and signed, into two fresh ledgers.
  const write = async (signed: boolean) => {
    const l = await createGitLedger({
      fs,
      dir: join(dir, signed ? 'signed' : 'plain'),
      ...(signed && { signing: { signer } }),
    });
    await l.write({ audits: [makeAudit()] });
    const times: number[] = [];
    for (let i = 0; i < 30; i++) {
      const s = performance.now();
      await l.write({ audits: [makeAudit()] });
      times.push(performance.now() - s);
    }
    times.sort((a, b) => a - b);
    return times[15]!;
  };
  const plain = await write(false);
  const signed = await write(true);
  console.log(
    `  one-audit write, median of 30: unsigned ${plain.toFixed(1)} ms, signed ${signed.toFixed(1)} ms (${(signed / plain).toFixed(2)}x)`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
