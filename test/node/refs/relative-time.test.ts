import assert from 'node:assert/strict';
import { relativeTime } from '../../../src/core/refs/relative-time.js';

const NOW = new Date('2026-02-17T20:45:00.000Z');
const ago = (seconds: number) => new Date(NOW.getTime() - seconds * 1000).toISOString();

describe('relativeTime', () => {
  const cases: [number, string][] = [
    [0, 'just now'],
    [59, 'just now'],
    [60, '1m ago'],
    [5 * 60, '5m ago'],
    [59 * 60 + 59, '59m ago'],
    [3600, '1h ago'],
    [2 * 3600 + 59 * 60, '2h ago'],
    [23 * 3600 + 3599, '23h ago'],
    [86_400, '1 day ago'],
    [2 * 86_400 - 1, '1 day ago'],
    [2 * 86_400, '2 days ago'],
    [3 * 86_400 + 5, '3 days ago'],
    [400 * 86_400, '400 days ago'],
  ];
  for (const [seconds, want] of cases) {
    it(`says "${want}" for ${seconds} s ago`, () => {
      assert.equal(relativeTime(ago(seconds), NOW), want);
    });
  }

  it('says "just now" for a time slightly in the future (clock skew)', () => {
    assert.equal(relativeTime(ago(-30), NOW), 'just now');
  });

  it('accepts Date objects, epoch milliseconds and other ISO notations', () => {
    assert.equal(relativeTime(new Date(NOW.getTime() - 120_000), NOW), '2m ago');
    assert.equal(relativeTime(NOW.getTime() - 7_200_000, NOW), '2h ago');
    assert.equal(relativeTime('2026-02-17T21:40:00+01:00', NOW), '5m ago');
  });

  it('returns an unparseable time unchanged', () => {
    assert.equal(relativeTime('sometime', NOW), 'sometime');
  });
});
