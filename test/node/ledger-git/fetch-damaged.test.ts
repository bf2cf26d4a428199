// A remote whose pack arrives damaged (a proxy in front of a real `git http-backend` flips one
// byte inside the pack): sync() fails with a typed error, the pack written while it was being
// indexed is removed again (no pack without its index, no temporary files), the repository
// passes `git fsck`, and the next sync through an undamaged connection fetches everything.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import http from 'isomorphic-git/http/node';
import { ScpError } from '../../../src/core/errors/index.js';
import { createGitLedger } from '../../../src/core/ledger/git/index.js';
import { makeAudit } from '../../contract/ledger.js';
import { gitServerSuite } from './git-helpers.js';

/** Flip a byte in the middle of the largest pack-data packet (side band 1) of an upload-pack answer. */
function damage(body: Buffer): Buffer {
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i + 4 <= body.length; ) {
    const n = parseInt(body.subarray(i, i + 4).toString('latin1'), 16);
    if (n === 0) {
      i += 4;
      continue;
    }
    if (body[i + 4] === 1 && n > bestLen) {
      best = i;
      bestLen = n;
    }
    i += n;
  }
  assert.ok(best >= 0, 'the answer carries a pack');
  const out = Buffer.from(body);
  const at = best + 5 + Math.floor((bestLen - 5) / 2);
  out[at] = out[at]! ^ 0x5a;
  return out;
}

/** A proxy for the remote at `remote` that damages upload-pack answers while `damaging()` says so. */
async function proxy(remote: string, damaging: () => boolean): Promise<{ url: string; server: Server }> {
  const target = new URL(remote);
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const upstream = await fetch(new URL(req.url!, target), {
      method: req.method!,
      headers: Object.fromEntries(
        Object.entries(req.headers).filter(([k, v]) => typeof v === 'string' && !['host', 'connection'].includes(k)),
      ) as Record<string, string>,
      ...(chunks.length && { body: Buffer.concat(chunks) }),
    });
    let body: Buffer = Buffer.from(await upstream.arrayBuffer());
    if (req.url!.endsWith('/git-upload-pack') && damaging()) body = damage(body);
    res.writeHead(upstream.status, {
      'content-type': upstream.headers.get('content-type') ?? 'application/octet-stream',
    });
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}${target.pathname}`, server };
}

describe('sync() when the fetched pack arrives damaged', () => {
  const suite = gitServerSuite('scp-fetch-damaged-');

  it('fails typed, leaves no pack without an index, and the next sync fetches everything', async () => {
    const { url } = await suite.server.createUniqueRepo('damaged');
    const writer = await createGitLedger({ fs, http, dir: suite.scratchDir(), remote: { url } });
    const audits = Array.from({ length: 60 }, (_, i) => makeAudit({ card_key: i % 2 ? 'security' : 'k8s' }));
    await writer.write({ audits });
    await writer.sync();
    await writer.close?.();

    let damaging = true;
    const p = await proxy(url, () => damaging);
    try {
      const dir = suite.scratchDir();
      const reader = await createGitLedger({ fs, http, dir, remote: { url: p.url } });
      const packDir = join(dir, '.git', 'objects', 'pack');
      const before = fs.existsSync(packDir) ? fs.readdirSync(packDir) : [];
      await assert.rejects(
        reader.sync(),
        (e: unknown) => e instanceof ScpError && /Fetching the ledger/.test(e.message),
      );
      const after = fs.readdirSync(packDir);
      const packs = after.filter((f) => f.endsWith('.pack'));
      for (const f of packs) assert.ok(after.includes(f.replace(/\.pack$/, '.idx')), `${f} has its index`);
      assert.deepEqual(
        after.filter((f) => !f.endsWith('.pack') && !f.endsWith('.idx')),
        [],
        'no temporary files are left',
      );
      assert.deepEqual(packs.sort(), before.filter((f) => f.endsWith('.pack')).sort(), 'no pack was added');

      damaging = false;
      const r = await reader.sync();
      assert.equal(r.fetched, 2);
      assert.equal((await reader.list({ limit: 100 })).entries.length, 60);
      assert.equal((await reader.verify()).ok, true);
      await reader.close?.();
    } finally {
      await new Promise((r) => p.server.close(r));
    }
  });
});
