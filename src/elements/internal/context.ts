import { ContextProvider, createContext } from '@lit/context';
import type { ScpClient } from '../../core/client.js';

/**
 * The context through which an ancestor hands an `ScpClient` to every `scp-*` element below it.
 * A global symbol, so two copies of the elements on one page still find the same provider.
 */
export const scpClientContext = createContext<ScpClient | undefined>(Symbol.for('scp-ledger.client'));

export interface ScpClientProvision {
  /** Replace the client; subscribed elements switch to it. */
  set(client: ScpClient | undefined): void;
  /** Stop providing (elements keep what they had until they reconnect). */
  dispose(): void;
}

const provisions = new WeakMap<Element, ContextProvider<typeof scpClientContext>>();

/**
 * Provide `client` to every `scp-*` element inside `root` (e.g. `document.body`).
 * Elements that connected before this call are found too: the provider announces itself and
 * waiting elements ask again.
 */
export function provideScpClient(root: HTMLElement, client: ScpClient | undefined): ScpClientProvision {
  let provider = provisions.get(root);
  if (provider) provider.setValue(client);
  else {
    provider = new ContextProvider(root, { context: scpClientContext, initialValue: client });
    provisions.set(root, provider);
  }
  // Announce (a `context-provider` event): elements still waiting for a client re-request it.
  provider.hostConnected();
  const p = provider;
  return {
    set: (c) => p.setValue(c),
    dispose: () => {
      p.setValue(undefined);
      root.removeEventListener('context-request', p.onContextRequest);
      root.removeEventListener('context-provider', p.onProviderRequest);
      provisions.delete(root);
    },
  };
}
