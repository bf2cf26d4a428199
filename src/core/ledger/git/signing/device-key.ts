/**
 * The browser's per-device signing key: an Ed25519 WebCrypto key pair generated on first use,
 * its private half non-extractable, kept in IndexedDB (CryptoKey objects are stored as they are,
 * never as bytes). Its public key (`ssh-ed25519 ...`) is what an admin enrols in allowed_signers.
 */
import { openDB } from 'idb';
import { LedgerUnavailableError } from '../../../errors/index.js';
import { cryptoKeySigner, generateDeviceKey } from './signers.js';
import type { Signer } from './sshsig.js';

const DB = 'scp-ledger-device-keys';
const STORE = 'keys';

/** This device's signer for the ledger `name` (the same key across reloads). */
export async function deviceSigner(name: string): Promise<Signer> {
  const db = await openDB(DB, 1, {
    upgrade(d) {
      d.createObjectStore(STORE);
    },
  });
  try {
    const get = () => db.get(STORE, name) as Promise<CryptoKeyPair | undefined>;
    let pair = await get();
    if (!pair) {
      const fresh = await generateDeviceKey();
      try {
        await db.add(STORE, fresh, name);
        pair = fresh;
      } catch {
        pair = await get(); // another tab made one first: use theirs
      }
    }
    if (!pair)
      throw new LedgerUnavailableError(
        `This device's signing key could not be stored in IndexedDB (${DB}): allow this site to store data (not a private window), or sign with a key the host holds`,
        { data: { reason: 'device_key_unavailable' } },
      );
    return cryptoKeySigner(pair, `scp-ledger-device:${name}`);
  } finally {
    db.close();
  }
}
