import assert from 'node:assert/strict';
import { canonicalJson, contentHash, entryHash, sha256Hex, withEntryHash } from '../../../src/core/hash/index.js';

/** The IEEE-754 double with these 64 bits. */
function f64(hex: string): number {
  const v = new DataView(new ArrayBuffer(8));
  v.setBigUint64(0, BigInt(`0x${hex}`));
  return v.getFloat64(0);
}

describe('canonical JSON (RFC 8785)', () => {
  it("matches the RFC's main example (numbers, escapes, literals, key order)", () => {
    const input = JSON.parse(String.raw`{
      "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
      "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
      "literals": [null, true, false]
    }`);
    assert.equal(
      canonicalJson(input),
      String.raw`{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`,
    );
  });

  it("sorts keys by UTF-16 code units, as the RFC's sorting example does", () => {
    const input = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    // (JSON.parse would list the integer-like key "1" first, so the text itself is compared.)
    assert.equal(
      canonicalJson(input),
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis",' +
        '"\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  it("serialises the RFC's IEEE-754 test values in ECMAScript's shortest form", () => {
    const table: [string, string][] = [
      ['0000000000000000', '0'],
      ['8000000000000000', '0'],
      ['0000000000000001', '5e-324'],
      ['8000000000000001', '-5e-324'],
      ['7fefffffffffffff', '1.7976931348623157e+308'],
      ['ffefffffffffffff', '-1.7976931348623157e+308'],
      ['4340000000000000', '9007199254740992'],
      ['c340000000000000', '-9007199254740992'],
      ['4430000000000000', '295147905179352830000'],
      ['44b52d02c7e14af5', '9.999999999999997e+22'],
      ['44b52d02c7e14af6', '1e+23'],
      ['44b52d02c7e14af7', '1.0000000000000001e+23'],
      ['444b1ae4d6e2ef4e', '999999999999999700000'],
      ['444b1ae4d6e2ef4f', '999999999999999900000'],
      ['444b1ae4d6e2ef50', '1e+21'],
      ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
      ['3eb0c6f7a0b5ed8d', '0.000001'],
      ['41b3de4355555553', '333333333.3333332'],
      ['41b3de4355555554', '333333333.33333325'],
      ['41b3de4355555555', '333333333.3333333'],
      ['41b3de4355555556', '333333333.3333334'],
      ['41b3de4355555557', '333333333.33333343'],
      ['becbf647612f3696', '-0.0000033333333333333333'],
      ['43143ff3c1cb0959', '1424953923781206.2'],
    ];
    for (const [bits, text] of table) assert.equal(canonicalJson(f64(bits)), text, bits);
    assert.equal(canonicalJson(-0), '0');
    assert.equal(canonicalJson(1e21), '1e+21');
    assert.equal(canonicalJson(1e20), '100000000000000000000');
  });

  it('refuses NaN and Infinity, which JSON cannot carry', () => {
    for (const n of [Number.NaN, Infinity, -Infinity]) assert.throws(() => canonicalJson({ n }), TypeError);
  });

  it('escapes control characters as JSON.stringify does and leaves other characters raw', () => {
    assert.equal(
      canonicalJson('\u0000\u001f\b\t\n\f\r"\\/\u007f\u2028é'),
      '"\\u0000\\u001f\\b\\t\\n\\f\\r\\"\\\\/\u007f\u2028é"',
    );
  });

  it('drops undefined members, writes undefined array items as null, and uses toJSON (dates)', () => {
    assert.equal(
      canonicalJson({ b: undefined, a: [undefined, 1], d: new Date(0) }),
      '{"a":[null,1],"d":"1970-01-01T00:00:00.000Z"}',
    );
  });

  it('is the same for the same data whatever the key order, nested too', () => {
    assert.equal(
      canonicalJson({ z: { y: 1, x: [{ b: 1, a: 2 }] }, a: 0 }),
      canonicalJson({ a: 0, z: { x: [{ a: 2, b: 1 }], y: 1 } }),
    );
  });
});

describe('hashes', () => {
  it('sha256Hex matches the standard test vectors', async () => {
    assert.equal(await sha256Hex(''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    assert.equal(await sha256Hex('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    assert.equal(
      await sha256Hex(new TextEncoder().encode('abc')),
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });

  it('contentHash ignores key order; entryHash ignores the sha256 field itself', async () => {
    assert.equal(await contentHash({ a: 1, b: 2 }), await contentHash({ b: 2, a: 1 }));
    assert.notEqual(await contentHash({ a: 1 }), await contentHash({ a: 2 }));
    const entry = { id: 'x', n: 1 };
    const sealed = await withEntryHash(entry);
    assert.equal(sealed.sha256, await sha256Hex('{"id":"x","n":1}'));
    assert.equal(await entryHash(sealed), sealed.sha256);
    assert.equal(await entryHash({ ...sealed, sha256: 'tampered' }), sealed.sha256);
  });
});
