import { expect } from '@esm-bundle/chai';
import { createEventBus, type EventBus } from '../../../src/core/events/bus.js';
import type { BusEventName } from '../../../src/core/schemas/events.js';

// The dev server compiles .ts on request; a URL built at run time must name the source file.
const busUrl = new URL('../../../src/core/events/bus.ts', import.meta.url).href;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const uniqueChannel = () => `scp-test-${crypto.randomUUID()}`;

interface Seen {
  name: BusEventName;
  payload: unknown;
  remote: boolean;
}

function record(bus: EventBus): Seen[] {
  const seen: Seen[] = [];
  bus.onAny((name, payload, meta) => seen.push({ name, payload, remote: meta.remote }));
  return seen;
}

/** A same-origin iframe running its own bus on `channel` (another "tab"), reporting what it sees. */
async function frameBus(channel: string) {
  const seen: Seen[] = [];
  const iframe = document.createElement('iframe');
  let ready!: () => void;
  const isReady = new Promise<void>((r) => {
    ready = r;
  });
  const onMessage = (ev: MessageEvent) => {
    if (ev.source !== iframe.contentWindow || !ev.data || ev.data.from !== 'frame') return;
    if (ev.data.ready) ready();
    else seen.push({ name: ev.data.name, payload: ev.data.payload, remote: ev.data.remote });
  };
  window.addEventListener('message', onMessage);
  iframe.srcdoc = `<script type="module">
    import { createEventBus } from ${JSON.stringify(busUrl)};
    const bus = createEventBus({ channel: ${JSON.stringify(channel)} });
    bus.onAny((name, payload, meta) => parent.postMessage({ from: 'frame', name, payload, remote: meta.remote }, '*'));
    addEventListener('message', (ev) => { if (ev.data && ev.data.cmd === 'emit') bus.emit(ev.data.name, ev.data.payload); });
    parent.postMessage({ from: 'frame', ready: true }, '*');
  </script>`;
  document.body.append(iframe);
  await Promise.race([
    isReady,
    sleep(5_000).then(() => {
      throw new Error('the iframe bus did not start');
    }),
  ]);
  return {
    seen,
    emit(name: BusEventName, payload: unknown) {
      iframe.contentWindow!.postMessage({ cmd: 'emit', name, payload }, '*');
    },
    remove() {
      window.removeEventListener('message', onMessage);
      iframe.remove();
    },
  };
}

async function until(check: () => boolean, ms = 2_000) {
  const end = performance.now() + ms;
  while (!check()) {
    if (performance.now() > end) throw new Error('timed out waiting');
    await sleep(10);
  }
}

describe('event bus across browsing contexts (real BroadcastChannel)', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const c of cleanups.splice(0)) c();
  });

  it('delivers an emit locally once (remote: false) and to another same-origin document once (remote: true), with no echo', async () => {
    const channel = uniqueChannel();
    const frame = await frameBus(channel);
    cleanups.push(frame.remove);
    const bus = createEventBus({ channel });
    cleanups.push(() => bus.close());
    const mine = record(bus);
    const payload = {
      snapshot_id: 'security_20260217_204500_ab12',
      card_key: 'security',
      status: 'ok',
      summary: '3 issues',
      iso: '2026-02-17T20:45:00Z',
    };
    bus.emit('audit:saved', payload);
    await until(() => frame.seen.length > 0);
    await sleep(100); // room for any echo to come back
    expect(frame.seen).to.deep.equal([{ name: 'audit:saved', payload, remote: true }]);
    expect(mine).to.deep.equal([{ name: 'audit:saved', payload, remote: false }]);
  });

  it('receives what the other document emits, typed by name, and only once', async () => {
    const channel = uniqueChannel();
    const frame = await frameBus(channel);
    cleanups.push(frame.remove);
    const bus = createEventBus({ channel });
    cleanups.push(() => bus.close());
    const started: { id: string; remote: boolean }[] = [];
    bus.on('run:started', (p, meta) => started.push({ id: p.run_id, remote: meta.remote }));
    const completed: string[] = [];
    bus.on('run:completed', (p) => completed.push(p.run_id));
    frame.emit('run:started', {
      run_id: 'run_20260217T204500Z_deploy_x7k2',
      type: 'deploy',
      subtype: 'deploy:k8s',
      summary: '',
    });
    await until(() => started.length > 0);
    await sleep(100);
    expect(started).to.deep.equal([{ id: 'run_20260217T204500Z_deploy_x7k2', remote: true }]);
    expect(completed).to.deep.equal([]);
    expect(frame.seen.map((s) => [s.name, s.remote])).to.deep.equal(
      [['run:started', false]],
      'the frame saw its own emit once, nothing echoed back',
    );
  });

  it('mirrors between two buses of one page on the same channel, and not to another channel or a bus without one', async () => {
    const channel = uniqueChannel();
    const a = createEventBus({ channel });
    const b = createEventBus({ channel });
    const other = createEventBus({ channel: uniqueChannel() });
    const local = createEventBus({ channel: false });
    cleanups.push(() => {
      a.close();
      b.close();
      other.close();
      local.close();
    });
    const [seenB, seenOther] = [record(b), record(other)];
    const seenA = record(a);
    a.emit('audit:discarded', { snapshot_id: 's_20260217_204500_aaaa', card_key: 's' });
    local.emit('audit:discarded', { snapshot_id: 'x', card_key: 'x' });
    await until(() => seenB.length > 0);
    await sleep(100);
    expect(seenB.map((s) => s.remote)).to.deep.equal([true]);
    expect(seenA.map((s) => s.remote)).to.deep.equal([false]);
    expect(seenOther).to.deep.equal([]);
  });

  it('stops delivering after unsubscribe and after close', async () => {
    const channel = uniqueChannel();
    const a = createEventBus({ channel });
    const b = createEventBus({ channel });
    cleanups.push(() => {
      a.close();
      b.close();
    });
    const got: string[] = [];
    const off = b.on('sys:reset', (p) => got.push(p.reason));
    a.emit('sys:reset', { reason: 'one' });
    await until(() => got.length === 1);
    off();
    a.emit('sys:reset', { reason: 'two' });
    await sleep(100);
    const after: string[] = [];
    b.on('sys:reset', (p) => after.push(p.reason));
    b.close();
    a.emit('sys:reset', { reason: 'three' });
    await sleep(100);
    expect(got).to.deep.equal(['one']);
    expect(after).to.deep.equal([]);
  });

  it('still delivers locally a payload that cannot be cloned to other tabs', () => {
    const bus = createEventBus({ channel: uniqueChannel() });
    cleanups.push(() => bus.close());
    const seen = record(bus);
    const payload = { reason: 'x', hook: () => 1 } as unknown as { reason: string };
    expect(() => bus.emit('sys:reset', payload)).not.to.throw();
    expect(seen.map((s) => s.payload)).to.deep.equal([payload]);
  });

  it('a throwing listener does not keep the event from the other listeners (the error is reported, not swallowed)', async () => {
    const bus = createEventBus({ channel: false });
    cleanups.push(() => bus.close());
    const reported: unknown[] = [];
    const previous = window.onerror;
    window.onerror = (_m, _s, _l, _c, err) => {
      reported.push(err);
      return true;
    };
    try {
      const got: string[] = [];
      bus.on('sys:reset', () => {
        throw new Error('listener bug');
      });
      bus.on('sys:reset', (p) => got.push(p.reason));
      bus.emit('sys:reset', { reason: 'r' });
      await sleep(20);
      expect(got).to.deep.equal(['r']);
      expect(reported.map((e) => (e as Error).message)).to.deep.equal(['listener bug']);
    } finally {
      window.onerror = previous;
    }
  });
});
