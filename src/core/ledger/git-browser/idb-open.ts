// Opening an IndexedDB database of the browser ledger without waiting behind another connection.
import { openDB, type IDBPDatabase } from 'idb';
import { StorageBlockedError } from '../../errors/index.js';

/**
 * Opens (creating with `upgrade` if needed) version 1 of `name`; another connection blocking it
 * fails the open with StorageBlockedError (idb would wait for the other side to close).
 */
export function openUnblocked(name: string, upgrade: (db: IDBPDatabase) => void): Promise<IDBPDatabase> {
  return new Promise((resolve, reject) => {
    openDB(name, 1, {
      upgrade,
      blocked: () =>
        reject(
          new StorageBlockedError(
            `IndexedDB ${name} is blocked by another connection (an older version of this page in another tab): close it and try again`,
            { data: { store: name } },
          ),
        ),
    }).then(resolve, reject);
  });
}
