import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readmeBlocks, readmeLinks, shellLines } from './readme-blocks.js';

describe('README block reader', () => {
  it('names each fenced block by the heading above it, its language and its position among same-language blocks there', () => {
    const md = [
      '# Title',
      '```sh',
      'npm ci',
      '```',
      '## Embedding `tags`',
      '```ts',
      'a()',
      '```',
      'text',
      '~~~ts',
      'b()',
      '~~~',
      '```',
      'plain',
      '```',
    ].join('\n');
    const blocks = readmeBlocks(md);
    assert.deepEqual(
      blocks.map((b) => [b.key, b.line, b.code]),
      [
        ['Title › sh', 2, 'npm ci\n'],
        ['Embedding tags › ts', 6, 'a()\n'],
        ['Embedding tags › ts #2', 10, 'b()\n'],
        ['Embedding tags › text', 13, 'plain\n'],
      ],
    );
  });

  it('keeps shorter or different fences and "#" lines inside a block as content', () => {
    const md = ['````md', '```ts', '# not a heading', '```', '~~~', '````', '## After'].join('\n');
    const [block, ...rest] = readmeBlocks(md);
    assert.equal(rest.length, 0);
    assert.equal(block!.code, '```ts\n# not a heading\n```\n~~~\n');
    assert.equal(block!.heading, '(top)');
  });

  it('runs an unclosed fence to the end of the file, so its content is still checked', () => {
    const blocks = readmeBlocks('## A\n```html\n<p>open');
    assert.deepEqual(
      blocks.map((b) => [b.key, b.code]),
      [['A › html', '<p>open\n']],
    );
  });

  it('finds links and images outside code, and splits shell lines from their comments', () => {
    const md = [
      'See [docs](docs/a.md) and `[not](x.md)`',
      '````md',
      '```',
      '[in code](y.md)',
      '````',
      '![alt text](docs/tour.png)',
    ].join('\n');
    assert.deepEqual(
      readmeLinks(md).map((l) => [l.image, l.text, l.target, l.line]),
      [
        [false, 'docs', 'docs/a.md', 1],
        [true, 'alt text', 'docs/tour.png', 6],
      ],
    );
    assert.deepEqual(shellLines('npm ci && npm start   # serves it\n\nnpx x show @run:<id>\n'), [
      { command: 'npm ci && npm start', comment: 'serves it', line: 1 },
      { command: 'npx x show @run:<id>', comment: '', line: 3 },
    ]);
  });
});
