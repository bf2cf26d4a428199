/**
 * Ed25519 signers for ledger commits. Node: an OpenSSH private key file (unencrypted; what
 * `ssh-keygen -t ed25519 -N ''` writes). Browser: a per-device WebCrypto key, non-extractable.
 */
import { ValidationError } from '../../../errors/index.js';
import { utf8Decode } from '../platform.js';
import { formatPublicKey, fromBase64, type Signer } from './sshsig.js';

/** A signer over a WebCrypto Ed25519 key pair (the private key may be non-extractable). */
export async function cryptoKeySigner(pair: CryptoKeyPair, comment?: string): Promise<Signer> {
  const raw = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
  return {
    publicKey: formatPublicKey(raw, comment),
    async sign(data) {
      return new Uint8Array(
        await crypto.subtle.sign({ name: 'Ed25519' }, pair.privateKey, data as Uint8Array<ArrayBuffer>),
      );
    },
  };
}

/** A new Ed25519 key pair whose private half can never leave this device's crypto store. */
export async function generateDeviceKey(): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']) as Promise<CryptoKeyPair>;
}

function b64url(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += String.fromCharCode(x);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The seed and public key of an unencrypted `-----BEGIN OPENSSH PRIVATE KEY-----` Ed25519 key. */
/** A key file that cannot sign: said as a ValidationError of the `signing key` option. */
function badKey(message: string): ValidationError {
  return new ValidationError(`Invalid signing key: ${message}`, {
    data: { what: 'signing key', issues: [{ path: '(root)', message }] },
  });
}

export function parseOpenSshPrivateKey(text: string): { seed: Uint8Array; pub: Uint8Array; comment: string } {
  const m = /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]*?)-----END OPENSSH PRIVATE KEY-----/.exec(text);
  if (!m) throw badKey('not an OpenSSH private key file');
  const b = fromBase64(m[1]!);
  let o = 0;
  const take = (n: number) => {
    if (o + n > b.length) throw badKey('truncated key file');
    const out = b.subarray(o, o + n);
    o += n;
    return out;
  };
  const u32 = () => {
    const x = take(4);
    return x[0]! * 0x1000000 + ((x[1]! << 16) | (x[2]! << 8) | x[3]!);
  };
  const str = () => take(u32());
  if (utf8Decode.decode(take(15)) !== 'openssh-key-v1\0') throw badKey('not an openssh-key-v1 key');
  const cipher = utf8Decode.decode(str());
  str();
  str(); // kdf name, kdf options
  if (cipher !== 'none')
    throw badKey(
      'the key file is passphrase-protected: remove the passphrase from a copy kept for the ledger (ssh-keygen -p), or sign in the browser with a device key',
    );
  if (u32() !== 1) throw badKey('the key file must hold exactly one key');
  str(); // public key blob
  const priv = str();
  let p = 8; // two check ints
  const pu32 = () => {
    const x = priv.subarray(p, p + 4);
    p += 4;
    return x[0]! * 0x1000000 + ((x[1]! << 16) | (x[2]! << 8) | x[3]!);
  };
  const pstr = () => {
    const n = pu32();
    const out = priv.subarray(p, p + n);
    p += n;
    return out;
  };
  const type = utf8Decode.decode(pstr());
  if (type !== 'ssh-ed25519') throw badKey(`only ssh-ed25519 keys sign ledger commits (this key is ${type})`);
  const pub = pstr();
  const secret = pstr();
  const comment = utf8Decode.decode(pstr());
  return { seed: secret.subarray(0, 32), pub: new Uint8Array(pub), comment };
}

/** A signer from an unencrypted OpenSSH Ed25519 private key (file contents). */
export async function openSshKeySigner(keyText: string): Promise<Signer> {
  const { seed, pub, comment } = parseOpenSshPrivateKey(keyText);
  const jwk = { kty: 'OKP', crv: 'Ed25519', d: b64url(seed), x: b64url(pub) };
  const privateKey = await crypto.subtle.importKey('jwk', jwk, { name: 'Ed25519' }, false, ['sign']);
  return {
    publicKey: formatPublicKey(pub, comment || undefined),
    async sign(data) {
      return new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, privateKey, data as Uint8Array<ArrayBuffer>));
    },
  };
}
