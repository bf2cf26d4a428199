import { expect } from '@esm-bundle/chai';

describe('browser environment', () => {
  it('has IndexedDB, Web Locks and BroadcastChannel', () => {
    expect(typeof indexedDB.open).to.equal('function');
    expect(typeof navigator.locks.request).to.equal('function');
    expect(typeof BroadcastChannel).to.equal('function');
  });
});
