/**
 * The browser's per-device signing key: an Ed25519 WebCrypto key pair generated on first use,
 * its private half non-extractable, kept in IndexedDB (CryptoKey objects are stored as they are,
 * never as bytes). Its public key (`ssh-ed25519 ...`) is what an admin enrols in allowed_signers.
 */
import { cryptoKeySigner, generateDeviceKey } from './signers.js';
import type { Signer } from './sshsig.js';

const DB = 'scp-ledger-device-keys';
const STORE = 'keys';

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

async function openDb(): Promise<IDBDatabase> {
  const r = indexedDB.open(DB, 1);
  r.onupgradeneeded = () => {
    r.result.createObjectStore(STORE);
  };
  return request(r);
}

/** This device's signer for the ledger `name` (the same key across reloads). */
export async function deviceSigner(name: string): Promise<Signer> {
  const db = await openDb();
  try {
    const get = () =>
      request(db.transaction(STORE, 'readonly').objectStore(STORE).get(name)) as Promise<CryptoKeyPair | undefined>;
    let pair = await get();
    if (!pair) {
      const fresh = await generateDeviceKey();
      try {
        await request(db.transaction(STORE, 'readwrite').objectStore(STORE).add(fresh, name));
        pair = fresh;
      } catch {
        pair = await get(); // another tab made one first: use theirs
      }
    }
    if (!pair) throw new Error('the device key could not be stored');
    return cryptoKeySigner(pair, `scp-ledger-device:${name}`);
  } finally {
    db.close();
  }
}
