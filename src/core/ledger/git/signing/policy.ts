/**
 * Who may sign the ledger, and the signature rules verify() applies.
 *
 * Signing is on from the first commit whose tree holds `allowed_signers` (git's format, at the
 * branch root). From then on every commit must carry a valid SSH signature (namespace `git`) by
 * a key its parents' allowed_signers lists, or by a key of an allowed-signers file the host gives;
 * the commit that turns signing on must be signed by a trust anchor (a pinned first signer, or a
 * host-given key). A pinned key is trusted for that first commit only: once the branch's
 * allowed_signers drops it (key rotation), its later signatures are unknown_key. So allowed_signers only changes by commits an already-allowed key signed.
 * With an anchor, a branch whose head has no allowed_signers (or whose head is unsigned) fails:
 * someone who can push but holds no key cannot rewrite the history, not even from scratch.
 */
import { SIGNERS_PATH } from '../layout.js';
import type { TreeEntry } from '../objects.js';
import { keyId, parseAllowedSigners, splitSignedCommit, sshVerify } from './sshsig.js';

export interface SignaturePolicy {
  /** Trusted first signers (`ssh-ed25519 AAAA...` lines). */
  pinned?: string[];
  /** An allowed_signers file's text, given by the host: its keys are trusted anchors. */
  allowedSigners?: string;
}

export class SignatureFinding extends Error {
  constructor(
    readonly reason: 'unsigned' | 'unknown_key' | 'bad_signature',
    message: string,
    readonly commit: string,
  ) {
    super(message);
  }
}

export interface SignatureIo {
  readCommit(oid: string): Promise<{ oid: string; raw: Uint8Array; tree: string; parents: string[] }>;
  lookup(tree: string, path: string): Promise<TreeEntry | undefined>;
  blobText(oid: string): Promise<string>;
}

/** Keys the host's allowed-signers file lists: trusted for every commit. */
function hostKeys(policy: SignaturePolicy): Set<string> {
  return new Set(policy.allowedSigners ? parseAllowedSigners(policy.allowedSigners).keys() : []);
}

/** Every trust anchor: pinned first signers and host-given keys. */
export function anchorsOf(policy: SignaturePolicy): Set<string> {
  const out = hostKeys(policy);
  for (const k of policy.pinned ?? []) out.add(keyId(k));
  return out;
}

/** Checks `order` (parents first); returns how many signatures were verified. */
export async function checkSignatures(
  io: SignatureIo,
  order: { oid: string }[],
  head: string,
  policy: SignaturePolicy,
): Promise<number> {
  const anchors = anchorsOf(policy);
  const host = hostKeys(policy);
  const byBlob = new Map<string, Set<string>>();
  const allowedAt = async (tree: string): Promise<Set<string> | undefined> => {
    const e = await io.lookup(tree, SIGNERS_PATH);
    if (e?.type !== 'blob') return undefined;
    let keys = byBlob.get(e.oid);
    if (!keys) {
      keys = new Set(parseAllowedSigners(await io.blobText(e.oid)).keys());
      byBlob.set(e.oid, keys);
    }
    return keys;
  };
  let verified = 0;
  for (const { oid } of order) {
    const c = await io.readCommit(oid);
    const allowed = new Set<string>();
    let enabled = false;
    for (const p of c.parents) {
      const keys = await allowedAt((await io.readCommit(p)).tree);
      if (keys) {
        enabled = true;
        for (const k of keys) allowed.add(k);
      }
    }
    const enabling = !enabled && (await allowedAt(c.tree)) !== undefined;
    if (!enabled && !enabling) continue;
    const signed = splitSignedCommit(c.raw);
    if (!signed)
      throw new SignatureFinding('unsigned', `Commit ${oid} is not signed, but signing was enabled before it`, oid);
    const check = await sshVerify(signed.signature, signed.payload, 'git');
    if (!check.ok) throw new SignatureFinding('bad_signature', `Commit ${oid}: ${check.problem}`, oid);
    const trusted = enabling ? anchors.has(check.key!) : host.has(check.key!) || allowed.has(check.key!);
    if (!trusted) {
      const why = enabling
        ? 'the commit that turns signing on must be signed by a pinned or host-given key'
        : "the key is not in its parents' allowed_signers";
      throw new SignatureFinding(
        'unknown_key',
        `Commit ${oid} is signed by ${check.key!.slice(0, 40)}..., which is not allowed: ${why}`,
        oid,
      );
    }
    verified++;
  }
  if (anchors.size) {
    const h = await io.readCommit(head);
    if (!(await allowedAt(h.tree)))
      throw new SignatureFinding(
        'unsigned',
        `A signer is pinned but the ledger branch (head ${head}) has no ${SIGNERS_PATH}: its history was replaced by unsigned commits`,
        head,
      );
    if (!splitSignedCommit(h.raw))
      throw new SignatureFinding('unsigned', `The head commit ${head} is not signed`, head);
  }
  return verified;
}
