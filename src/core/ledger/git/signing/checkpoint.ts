/**
 * Checkpoints: a short signed statement "ledger <name> had head <commit> with <n> entries at
 * <time>", made by verify() when the ledger has a signing key. A second party stores it and
 * later passes it back to verify({ checkpoints }): the ledger must still contain that head
 * (else `rollback`, or `split_view` when the head went elsewhere), and the checkpoint's signature
 * must come from an allowed key. Nothing of it is trusted from .git/.
 *
 * Format (one line): `scp-checkpoint.v1.<base64url(JSON {ledger, head, entries, time})>.<base64url(SSHSIG blob)>`
 */
import { utf8, utf8Decode } from '../platform.js';
import { BEGIN, END, fromBase64, sshSign, sshVerify, toBase64, type Signer } from './sshsig.js';

export const CHECKPOINT_NAMESPACE = 'scp-ledger-checkpoint';

export interface CheckpointBody {
  ledger: string;
  head: string;
  entries: number;
  time: string;
}

const b64url = (b: Uint8Array) => toBase64(b).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const unb64url = (s: string) =>
  fromBase64(s.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (s.length % 4)) % 4));

export async function signCheckpoint(signer: Signer, body: CheckpointBody): Promise<string> {
  const payload = utf8.encode(JSON.stringify(body));
  const armored = await sshSign(signer, payload, CHECKPOINT_NAMESPACE);
  const blob = fromBase64(armored.replace(BEGIN, '').replace(END, ''));
  return `scp-checkpoint.v1.${b64url(payload)}.${b64url(blob)}`;
}

/** The checkpoint's content and the key that signed it; throws when malformed or badly signed. */
export async function openCheckpoint(text: string): Promise<{ body: CheckpointBody; key: string }> {
  const parts = text.trim().split('.');
  if (parts.length !== 4 || parts[0] !== 'scp-checkpoint' || parts[1] !== 'v1')
    throw new Error('not an scp-ledger checkpoint');
  const payload = unb64url(parts[2]!);
  const body = JSON.parse(utf8Decode.decode(payload)) as CheckpointBody;
  if (!/^[0-9a-f]{40}$/.test(body.head) || typeof body.entries !== 'number') throw new Error('malformed checkpoint');
  const b64 = toBase64(unb64url(parts[3]!));
  const check = await sshVerify(`${BEGIN}\n${b64}\n${END}`, payload, CHECKPOINT_NAMESPACE);
  if (!check.ok) throw new Error(`checkpoint signature: ${check.problem}`);
  return { body, key: check.key! };
}
