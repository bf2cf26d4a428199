// Shared set-up for the element tests: real clients (memory or IndexedDB staging, memory ledger).
import { render, type TemplateResult } from 'lit';
import { DEMO_CARDS } from '../../../../demo/cards.js';
import { createMemoryLedger } from '../../../../src/core/ledger/memory.js';
import { createScp, type ScpClient, type ScpOptions } from '../../../../src/core/client.js';
import { createIdbStagingStore } from '../../../../src/core/storage/idb.js';
import { createMemoryStagingStore } from '../../../../src/core/storage/memory.js';

export { until } from '../../../helpers/until.js';

const open: ScpClient[] = [];

/** A client on memory staging that keeps every scan pending (policy `all`, no skip), with the demo's cards. */
export function memoryClient(options: ScpOptions = {}): ScpClient {
  const client = createScp({
    cards: DEMO_CARDS,
    channel: false,
    ledger: createMemoryLedger(),
    staging: createMemoryStagingStore(),
    policy: 'all',
    skipUnchanged: false,
    actor: 'tester',
    ...options,
  });
  open.push(client);
  return client;
}

/** Two clients like two tabs: one IndexedDB database, one BroadcastChannel name. */
export function twoTabs(): [ScpClient, ScpClient] {
  const name = `scp-test-${crypto.randomUUID()}`;
  const a = createScp({
    cards: DEMO_CARDS,
    channel: name,
    ledger: createMemoryLedger(),
    staging: createIdbStagingStore({ dbName: name }),
    policy: 'all',
    skipUnchanged: false,
  });
  const b = createScp({
    cards: DEMO_CARDS,
    channel: name,
    ledger: createMemoryLedger(),
    staging: createIdbStagingStore({ dbName: name }),
    policy: 'all',
    skipUnchanged: false,
  });
  open.push(a, b);
  return [a, b];
}

/**
 * A client on memory staging with slow heartbeats and a short group commit, for elements that
 * follow runs. Unlike the others here, a failure to close it fails the test.
 */
export function runsClient(options: ScpOptions = {}): ScpClient {
  const client = createScp({
    cards: DEMO_CARDS,
    channel: false,
    ledger: createMemoryLedger(),
    staging: createMemoryStagingStore(),
    runs: { heartbeatMs: 60_000, groupCommitMs: 10 },
    ...options,
  });
  strict.push(client);
  return client;
}
const strict: ScpClient[] = [];

const mounted: HTMLElement[] = [];

/** Render `template` into a fresh container in the body and return its first element, at once. */
export function attach<T extends Element = HTMLElement>(template: unknown): T {
  const container = document.createElement('div');
  document.body.append(container);
  mounted.push(container);
  render(template, container);
  return container.firstElementChild as T;
}

/**
 * Render `template` into a fresh container in the body and wait for the Lit elements in it.
 * Unlike open-wc's `fixture` for plain elements, this never waits for an animation frame, which a
 * page running in the background (parallel test files) does not get.
 */
export async function mount<T extends Element = HTMLElement>(template: TemplateResult): Promise<T> {
  const container = document.createElement('div');
  document.body.append(container);
  mounted.push(container);
  render(template, container);
  const el = container.firstElementChild as T;
  const lit = [el, ...el.querySelectorAll('*')].filter(
    (e): e is Element & { updateComplete: Promise<unknown> } => 'updateComplete' in e,
  );
  await Promise.all(lit.map((e) => e.updateComplete));
  return el;
}

/** Close every client made by these helpers and remove mounted containers (call in afterEach). */
export async function closeClients(): Promise<void> {
  for (const c of mounted.splice(0)) c.remove();
  for (const c of strict.splice(0)) await c.close();
  const all = open.splice(0);
  await Promise.all(all.map((c) => c.close().catch(() => undefined)));
}

/** Every element matching `selector` inside `root`, looking through open shadow roots. */
export function deepQueryAll<T extends Element = HTMLElement>(root: ParentNode, selector: string): T[] {
  const out: T[] = [];
  const walk = (node: ParentNode) => {
    out.push(...node.querySelectorAll<T>(selector));
    for (const el of node.querySelectorAll('*')) if (el.shadowRoot) walk(el.shadowRoot);
  };
  walk(root);
  return out;
}

/** The visible text of an element's shadow root (whitespace collapsed). */
export function shadowText(el: Element): string {
  return (el.shadowRoot?.textContent ?? '').replace(/\s+/g, ' ').trim();
}
