/**
 * SSH signatures as git makes them (`gpg.format=ssh`): the SSHSIG format of OpenSSH's
 * PROTOCOL.sshsig, Ed25519 keys only, SHA-512 message hash. Works on WebCrypto (browsers, Node).
 *
 * Signed data = "SSHSIG" ‖ string(namespace) ‖ string("") ‖ string("sha512") ‖ string(SHA-512(message))
 * Signature   = "SSHSIG" ‖ uint32(1) ‖ string(public key blob) ‖ string(namespace) ‖ string("")
 *               ‖ string("sha512") ‖ string(string("ssh-ed25519") ‖ string(64-byte signature))
 * armored between `-----BEGIN SSH SIGNATURE-----` lines, base64 wrapped at 70 columns.
 */
import { concatBytes, utf8, utf8Decode } from '../platform.js';

const MAGIC = utf8.encode('SSHSIG');
const KEY_TYPE = 'ssh-ed25519';
export const BEGIN = '-----BEGIN SSH SIGNATURE-----';
export const END = '-----END SSH SIGNATURE-----';

/** Makes a raw Ed25519 signature over `data` (64 bytes). */
export interface Signer {
  /** `ssh-ed25519 AAAA... [comment]`: what an admin enrols in allowed_signers. */
  readonly publicKey: string;
  sign(data: Uint8Array): Promise<Uint8Array>;
}

function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n);
  return b;
}

function sshString(b: Uint8Array | string): Uint8Array {
  const bytes = typeof b === 'string' ? utf8.encode(b) : b;
  return concatBytes([u32(bytes.length), bytes]);
}

class Reader {
  private o = 0;
  constructor(private b: Uint8Array) {}
  bytes(n: number): Uint8Array {
    if (this.o + n > this.b.length) throw new Error('truncated SSH data');
    const out = this.b.subarray(this.o, this.o + n);
    this.o += n;
    return out;
  }
  u32(): number {
    const b = this.bytes(4);
    return b[0]! * 0x1000000 + ((b[1]! << 16) | (b[2]! << 8) | b[3]!);
  }
  string(): Uint8Array {
    return this.bytes(this.u32());
  }
  text(): string {
    return utf8Decode.decode(this.string());
  }
  get done(): boolean {
    return this.o === this.b.length;
  }
}

export function toBase64(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
  return btoa(s);
}

export function fromBase64(s: string): Uint8Array {
  const bin = atob(s.replace(/\s+/g, ''));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** The SSH wire blob of an Ed25519 public key. */
export function publicKeyBlob(raw: Uint8Array): Uint8Array {
  return concatBytes([sshString(KEY_TYPE), sshString(raw)]);
}

/** `ssh-ed25519 <base64>` → the 32 raw key bytes (throws on any other key type). */
export function parsePublicKey(line: string): Uint8Array {
  const [type, b64] = line.trim().split(/\s+/);
  if (type !== KEY_TYPE || !b64) throw new Error(`not an ssh-ed25519 public key: ${line.slice(0, 40)}`);
  return rawFromBlob(fromBase64(b64));
}

function rawFromBlob(blob: Uint8Array): Uint8Array {
  const r = new Reader(blob);
  if (r.text() !== KEY_TYPE) throw new Error('not an ssh-ed25519 key');
  const raw = r.string();
  if (raw.length !== 32) throw new Error('an Ed25519 public key is 32 bytes');
  return raw;
}

export function formatPublicKey(raw: Uint8Array, comment?: string): string {
  return `${KEY_TYPE} ${toBase64(publicKeyBlob(raw))}${comment ? ` ${comment}` : ''}`;
}

/** The key's identity for comparisons: `ssh-ed25519 <base64>` without a comment. */
export function keyId(line: string): string {
  return formatPublicKey(parsePublicKey(line));
}

async function sha512(data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-512', data as Uint8Array<ArrayBuffer>));
}

async function signedData(namespace: string, message: Uint8Array): Promise<Uint8Array> {
  return concatBytes([
    MAGIC,
    sshString(namespace),
    sshString(''),
    sshString('sha512'),
    sshString(await sha512(message)),
  ]);
}

/** An armored SSHSIG signature of `message` (what `ssh-keygen -Y sign -n <namespace>` writes). */
export async function sshSign(signer: Signer, message: Uint8Array, namespace: string): Promise<string> {
  const sig = await signer.sign(await signedData(namespace, message));
  const blob = concatBytes([
    MAGIC,
    u32(1),
    sshString(publicKeyBlob(parsePublicKey(signer.publicKey))),
    sshString(namespace),
    sshString(''),
    sshString('sha512'),
    sshString(concatBytes([sshString(KEY_TYPE), sshString(sig)])),
  ]);
  const b64 = toBase64(blob);
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 70) lines.push(b64.slice(i, i + 70));
  return `${BEGIN}\n${lines.join('\n')}\n${END}\n`;
}

export interface SshSigCheck {
  /** `ssh-ed25519 <base64>` of the key that made the signature (whether or not it verified). */
  key?: string;
  ok: boolean;
  problem?: string;
}

/** Check an armored SSHSIG signature of `message` under `namespace`. */
export async function sshVerify(armored: string, message: Uint8Array, namespace: string): Promise<SshSigCheck> {
  let key: string | undefined;
  try {
    const text = armored.trim();
    if (!text.startsWith(BEGIN) || !text.endsWith(END)) return { ok: false, problem: 'not an SSH signature' };
    const r = new Reader(fromBase64(text.slice(BEGIN.length, text.length - END.length)));
    if (utf8Decode.decode(r.bytes(6)) !== 'SSHSIG') return { ok: false, problem: 'bad SSHSIG magic' };
    if (r.u32() !== 1) return { ok: false, problem: 'unknown SSHSIG version' };
    const raw = rawFromBlob(r.string());
    key = formatPublicKey(raw);
    const ns = r.text();
    r.string();
    const hash = r.text();
    const sigBlob = new Reader(r.string());
    if (ns !== namespace) return { key, ok: false, problem: `signature namespace is "${ns}", expected "${namespace}"` };
    if (hash !== 'sha512') return { key, ok: false, problem: `unsupported hash ${hash}` };
    if (sigBlob.text() !== KEY_TYPE) return { key, ok: false, problem: 'not an Ed25519 signature' };
    const sig = sigBlob.string();
    const pub = await crypto.subtle.importKey('raw', raw as Uint8Array<ArrayBuffer>, { name: 'Ed25519' }, false, [
      'verify',
    ]);
    const ok = await crypto.subtle.verify(
      { name: 'Ed25519' },
      pub,
      sig as Uint8Array<ArrayBuffer>,
      (await signedData(namespace, message)) as Uint8Array<ArrayBuffer>,
    );
    return ok ? { key, ok } : { key, ok, problem: 'the signature does not match the signed data' };
  } catch (e) {
    return { ...(key && { key }), ok: false, problem: `unreadable signature: ${(e as Error).message}` };
  }
}

// ---- signed commits ----------------------------------------------------------------------------

/**
 * Split a raw commit into what was signed (the commit without its `gpgsig` header) and the
 * armored signature, as git does for `verify-commit`; undefined when the commit is unsigned.
 */
export function splitSignedCommit(raw: Uint8Array): { payload: Uint8Array; signature: string } | undefined {
  const text = utf8Decode.decode(raw);
  const headerEnd = text.indexOf('\n\n');
  const headers = headerEnd < 0 ? text : text.slice(0, headerEnd + 1);
  const start = headers.startsWith('gpgsig ') ? 0 : headers.indexOf('\ngpgsig ') + 1;
  if (start <= 0 && !headers.startsWith('gpgsig ')) return undefined;
  let end = text.indexOf('\n', start);
  while (end >= 0 && text[end + 1] === ' ') end = text.indexOf('\n', end + 1);
  const block = text.slice(start + 'gpgsig '.length, end);
  const signature = `${block
    .split('\n')
    .map((l, i) => (i === 0 ? l : l.slice(1)))
    .join('\n')}\n`;
  // Byte-exact: the payload is the raw bytes less the header block (headers are ASCII up to here).
  const before = utf8.encode(text.slice(0, start)).length;
  const after = utf8.encode(text.slice(0, end + 1)).length;
  return { payload: concatBytes([raw.subarray(0, before), raw.subarray(after)]), signature };
}

/** The commit `payload` with `signature` as its gpgsig header (after the committer line). */
export function withSignatureHeader(payload: Uint8Array, signature: string): Uint8Array {
  const text = utf8Decode.decode(payload);
  const at = text.indexOf('\n\n');
  const header = `gpgsig ${signature.trimEnd().split('\n').join('\n ')}\n`;
  const cut = utf8.encode(text.slice(0, at + 1)).length;
  return concatBytes([payload.subarray(0, cut), utf8.encode(header), payload.subarray(cut)]);
}

// ---- allowed_signers ---------------------------------------------------------------------------

/** Keys (as keyId) listed in git's allowed_signers format; lines naming other key types are skipped. */
export function parseAllowedSigners(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t || t.startsWith('#')) continue;
    const tokens = t.split(/\s+/);
    const i = tokens.findIndex((x, k) => k > 0 && x === KEY_TYPE);
    if (i < 0 || !tokens[i + 1]) continue;
    const opts = tokens.slice(1, i).join(' ');
    if (/namespaces="/.test(opts) && !/namespaces="[^"]*\bgit\b/.test(opts)) continue;
    try {
      out.set(keyId(`${KEY_TYPE} ${tokens[i + 1]}`), tokens[0]!);
    } catch {
      /* not a key */
    }
  }
  return out;
}
