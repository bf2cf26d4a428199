import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from '../dist/packed-package.js';

// The README's element table is the short form of custom-elements.json: every element has a row,
// every event it names is the element's (and none is missing), every attribute or method exists.
interface Declaration {
  tagName?: string;
  attributes?: { name: string }[];
  members?: { name: string; static?: boolean; privacy?: string }[];
  events?: { name: string }[];
}

const manifest = JSON.parse(readFileSync(join(root, 'custom-elements.json'), 'utf8')) as {
  modules: { declarations?: Declaration[] }[];
};
const elements = manifest.modules.flatMap((m) => m.declarations ?? []).filter((d) => d.tagName);
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const section = readme.slice(
  readme.indexOf('\n## Elements'),
  readme.indexOf('\n## ', readme.indexOf('\n## Elements') + 1),
);
const rows = section.split('\n').filter((l) => l.startsWith('| `<scp-'));
const codes = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);

describe('README element table against custom-elements.json', () => {
  it('has one row per element in the manifest', () => {
    const tags = rows.map((r) => /^\| `<(scp-[a-z-]+)/.exec(r)![1]);
    assert.deepEqual([...tags].sort(), elements.map((e) => e.tagName!).sort());
  });

  for (const el of elements) {
    it(`<${el.tagName}>: its events and API names are the manifest's`, () => {
      const row = rows.find((r) => r.startsWith(`| \`<${el.tagName}`));
      assert.ok(row, `a row for <${el.tagName}>`);
      const cells = row.split(' | ');
      assert.deepEqual(codes(cells[3] ?? '').sort(), (el.events ?? []).map((e) => e.name).sort(), 'events column');
      const known = new Set([
        ...(el.attributes ?? []).map((a) => a.name),
        ...(el.members ?? [])
          .filter((m) => !m.static && m.privacy !== 'private' && m.privacy !== 'protected')
          .map((m) => m.name),
      ]);
      for (const name of codes(cells[2] ?? '')) {
        const bare = name.replace(/\(.*\)$/, '');
        assert.ok(known.has(bare), `"${name}" is an attribute or public member of <${el.tagName}>`);
      }
    });
  }
});
