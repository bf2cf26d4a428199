import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ValidationError } from '../../../src/core/errors/index.js';
import { createSseParser, formatSse, type SseMessage } from '../../../src/core/host/sse-parser.js';

function parseAll(chunks: string[], opts: { maxLineLength?: number; maxEventLength?: number } = {}) {
  const messages: SseMessage[] = [];
  const retries: number[] = [];
  const errors: ValidationError[] = [];
  const p = createSseParser({
    onMessage: (m) => messages.push(m),
    onRetry: (ms) => retries.push(ms),
    onError: (e) => errors.push(e),
    ...opts,
  });
  for (const c of chunks) p.push(c);
  p.end();
  return { messages, retries, errors, lastEventId: p.lastEventId };
}

/** Splits `text` at the given cut points (sorted, deduplicated). */
function splitAt(text: string, cuts: number[]): string[] {
  const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
  const out: string[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(text.slice(prev, p));
    prev = p;
  }
  out.push(text.slice(prev));
  return out;
}

const SAMPLE = [
  ': a comment\n',
  'retry: 2500\n',
  'event: audit:saved\nid: 1\ndata: {"a":1}\n\n',
  'event: run:started\r\nid: 2\r\ndata: line one\r\ndata: line two\r\n\r\n',
  'id: 3\rdata: cr only\r\r',
  'data\n\n', // a field with no colon: empty data, still dispatched
  'event: ignored-no-data\nid: 4\n\n', // no data: not dispatched (but the id is taken)
  'data: after\n\n',
  'data: tail without blank line\n',
].join('');

describe('SSE parser (text/event-stream wire format)', () => {
  it('parses fields, multi-line data, comments, retry and the three line endings', () => {
    const { messages, retries } = parseAll([SAMPLE]);
    assert.deepEqual(messages, [
      { type: 'audit:saved', data: '{"a":1}', id: '1', hasId: true },
      { type: 'run:started', data: 'line one\nline two', id: '2', hasId: true },
      { type: 'message', data: 'cr only', id: '3', hasId: true },
      { type: 'message', data: '', id: '3', hasId: false },
      { type: 'message', data: 'after', id: '4', hasId: false },
    ]);
    assert.deepEqual(retries, [2500]);
  });

  it('gives the same events for any chunking, including a cut between CR and LF (fast-check, fixed seed)', () => {
    const expected = parseAll([SAMPLE]).messages;
    const seed = 20261123;
    console.log(`# sse-parser chunking property: seed ${seed}`);
    // biome-ignore lint/nursery/noFloatingPromises: fc.assert of a synchronous property returns nothing
    fc.assert(
      fc.property(fc.array(fc.nat({ max: SAMPLE.length }), { maxLength: 40 }), (cuts) => {
        assert.deepEqual(parseAll(splitAt(SAMPLE, cuts)).messages, expected);
      }),
      { seed, numRuns: 500 },
    );
    // Every single cut position, explicitly (covers each CR|LF split).
    for (let i = 0; i <= SAMPLE.length; i++)
      assert.deepEqual(parseAll([SAMPLE.slice(0, i), SAMPLE.slice(i)]).messages, expected);
    // One character at a time.
    assert.deepEqual(parseAll([...SAMPLE]).messages, expected);
  });

  it('strips one leading BOM only at the start of the stream', () => {
    const { messages } = parseAll(['\ufeff', 'data: x\n\n', '\ufeffdata: y\n\n']);
    assert.equal(messages.length, 1);
    assert.equal(messages[0]!.data, 'x');
  });

  it('ignores an id containing NUL and a non-numeric retry', () => {
    const { messages, retries } = parseAll(['id: 7\ndata: a\n\nid: 8\0x\nretry: 10s\ndata: b\n\n']);
    assert.deepEqual(
      messages.map((m) => m.id),
      ['7', '7'],
    );
    assert.deepEqual(retries, []);
  });

  it('removes exactly one space after the colon and keeps the rest', () => {
    const { messages } = parseAll(['data:  two spaces\ndata:none\n\n']);
    assert.equal(messages[0]!.data, ' two spaces\nnone');
  });

  it('drops an over-long line with a typed error and parses the following events', () => {
    const huge = 'x'.repeat(5000);
    const chunks = splitAt(`id: 1\ndata: ok1\n\nid: 2\ndata: ${huge}\n\nid: 3\ndata: ok3\n\n`, [100, 2000, 4000, 5030]);
    const { messages, errors } = parseAll(chunks, { maxLineLength: 1024 });
    assert.deepEqual(
      messages.map((m) => m.data),
      ['ok1', 'ok3'],
    );
    assert.equal(errors.length, 1);
    assert.ok(errors[0] instanceof ValidationError);
    assert.equal(errors[0]!.code, 'validation');
    assert.equal(errors[0]!.data.what, 'sse line');
  });

  it('drops an event whose data lines add up past the event limit', () => {
    const lines = Array.from({ length: 50 }, () => `data: ${'y'.repeat(100)}\n`).join('');
    const { messages, errors } = parseAll([`${lines}\ndata: fine\n\n`], { maxEventLength: 2000 });
    assert.deepEqual(
      messages.map((m) => m.data),
      ['fine'],
    );
    assert.equal(errors[0]!.data.what, 'sse event');
  });

  it('formatSse round-trips multi-line data through the parser', () => {
    const text = formatSse({ type: 'x', id: 5, data: 'a\r\nb\rc\nd', retry: 10 });
    const { messages, retries } = parseAll([text]);
    assert.deepEqual(messages, [{ type: 'x', id: '5', data: 'a\nb\nc\nd', hasId: true }]);
    assert.deepEqual(retries, [10]);
  });
});
