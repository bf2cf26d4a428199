// Values too deep or too large given to stage() in Chromium: typed errors naming the limit and the
// path, never a RangeError, nothing stored, and the elements keep working.
import { expect, html } from '@open-wc/testing';
import { ScpError } from '../../../src/core/errors/index.js';
import { createRedactor } from '../../../src/core/redact/redactor.js';
import '../../../src/elements/audit-badge/scp-audit-badge.js';
import type { ScpAuditBadge } from '../../../src/elements/audit-badge/audit-badge.js';
import { closeClients, memoryClient, mount } from '../elements/internal/fixtures.js';

const nested = (depth: number) => JSON.parse('['.repeat(depth) + ']'.repeat(depth)) as unknown;

async function rejection(p: Promise<unknown>): Promise<ScpError> {
  try {
    await p;
  } catch (e) {
    expect(e, String(e)).to.be.instanceOf(ScpError);
    return e as ScpError;
  }
  throw new Error('expected a rejection');
}

type LimitErrorData = { limit: string; max: number; path: string };

describe('hostile input: limits on staged values', () => {
  afterEach(closeClients);

  it('refuses nesting past maxDepth (even 100,000 levels) with a validation error naming the limit and path', async () => {
    const client = memoryClient();
    for (const depth of [257, 5000, 100_000]) {
      const e = await rejection(client.staging.stage('security', { deep: nested(depth) }));
      expect(e.code).to.equal('validation');
      const d = e.data as LimitErrorData;
      expect(d.limit).to.equal('maxDepth');
      expect(d.max).to.equal(256);
      expect(d.path).to.equal(`result.deep${'[0]'.repeat(255)}`);
      expect(e.message).to.contain('maxDepth');
    }
    expect(await client.staging.list()).to.deep.equal([]);
    // 256 levels (the root object and 255 arrays) are fine.
    expect((await client.staging.stage('security', { deep: nested(255) })).staged).to.equal(true);
  });

  it('refuses too many keys, items or characters with value_too_large naming the limit and path', async () => {
    const client = memoryClient();
    const cases: [unknown, string, string][] = [
      [{ wide: Object.fromEntries(Array.from({ length: 10_001 }, (_, i) => [`k${i}`, 0])) }, 'maxKeys', 'result.wide'],
      [{ list: new Array(100_001).fill(0) }, 'maxArrayLength', 'result.list'],
      [{ a: [{ text: 'x'.repeat(1_048_577) }] }, 'maxStringLength', 'result.a[0].text'],
      [{ [`k${'y'.repeat(1_048_577)}`]: 1 }, 'maxStringLength', `result[${JSON.stringify(`k${'y'.repeat(39)}…`)}]`],
    ];
    for (const [result, limit, path] of cases) {
      const e = await rejection(client.staging.stage('security', result));
      expect(e.code, limit).to.equal('value_too_large');
      expect((e.data as LimitErrorData).limit).to.equal(limit);
      expect((e.data as LimitErrorData).path).to.equal(path);
    }
    expect(await client.staging.list()).to.deep.equal([]);
  });

  it('takes its limits from createScp({ limits }), and refuses a circular value by name', async () => {
    const client = memoryClient({ limits: { maxDepth: 3, maxArrayLength: 2 } });
    expect((await client.staging.stage('a', { b: [1, 2] })).staged).to.equal(true);
    expect((await rejection(client.staging.stage('a', { b: [[[]]] }))).data).to.include({ limit: 'maxDepth', max: 3 });
    expect((await rejection(client.staging.stage('a', [1, 2, 3]))).data).to.include({
      limit: 'maxArrayLength',
      max: 2,
      path: 'result',
    });
    const loop: Record<string, unknown> = { x: {} };
    (loop.x as Record<string, unknown>).back = loop;
    const e = await rejection(memoryClient().staging.stage('a', loop));
    expect(e.code).to.equal('validation');
    expect((e.data as { issues: { path: string }[] }).issues[0]!.path).to.equal('result.x.back');
  });

  it('the redactor refuses deep values itself instead of overflowing the stack', () => {
    let thrown: unknown;
    try {
      createRedactor().redact(nested(100_000));
    } catch (e) {
      thrown = e;
    }
    expect(thrown).to.be.instanceOf(ScpError);
    expect((thrown as ScpError).code).to.equal('validation');
    expect(((thrown as ScpError).data as LimitErrorData).limit).to.equal('maxDepth');
  });

  it('the badge keeps counting after refused stages', async () => {
    const client = memoryClient();
    const badge = await mount<ScpAuditBadge>(
      html`<scp-audit-badge card="security" .client=${client}></scp-audit-badge>`,
    );
    await rejection(client.staging.stage('security', nested(50_000)));
    await rejection(client.staging.stageMany([{ card_key: 'security', result: nested(50_000) }]));
    await client.staging.stage('security', { ok: true });
    await badge.settled();
    expect(badge.count).to.equal(1);
  });
});
