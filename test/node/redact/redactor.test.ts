import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createRedactor, normalizeKey } from '../../../src/core/redact/index.js';
import { ValidationError } from '../../../src/core/errors/index.js';
import { canonicalJson } from '../../../src/core/hash/index.js';

const redactor = createRedactor();
const r = <T>(v: T) => redactor.redact(v);

// Samples built at run time so this file does not itself look like it leaks credentials.
const SECRETS: Record<string, string> = {
  aws_access_key: 'AKIA' + 'IOSFODNN7EXAMPLE',
  github_token: 'ghp_' + 'a1B2'.repeat(9),
  github_pat: 'github_pat_' + '11ABCDEFG0'.repeat(4) + '_xyz',
  slack_token: 'xoxb-' + '123456789012-abcdefABCDEF',
  jwt:
    'eyJhbGciOiJIUzI1NiJ9' + '.' + 'eyJzdWIiOiIxMjM0NTY3ODkwIn0' + '.' + 'SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c',
  google_api_key: 'AIza' + 'SyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY',
  stripe_key: 'sk_' + 'live_' + '4eC39HqLyjWDarjtT1zdp7dc',
  pem: '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo\n-----END RSA PRIVATE KEY-----',
};

describe('redactor: value rules', () => {
  const cases: [string, string, string][] = [
    ['AWS access key', `key=${SECRETS.aws_access_key};`, 'key=[REDACTED:aws_access_key];'],
    ['GitHub classic token', `token is ${SECRETS.github_token}`, 'token is [REDACTED:github_token]'],
    ['GitHub fine-grained token', `${SECRETS.github_pat}`, '[REDACTED:github_token]'],
    ['Slack token', `slack ${SECRETS.slack_token} end`, 'slack [REDACTED:slack_token] end'],
    ['JWT', `session ${SECRETS.jwt}`, 'session [REDACTED:jwt]'],
    ['Google API key', `k=${SECRETS.google_api_key}`, 'k=[REDACTED:google_api_key]'],
    ['Stripe secret key', `stripe ${SECRETS.stripe_key}`, 'stripe [REDACTED:stripe_key]'],
    ['PEM private key block', `before\n${SECRETS.pem}\nafter`, 'before\n[REDACTED:private_key_block]\nafter'],
    [
      'bearer header, keeping the scheme',
      'Authorization: Bearer abc.def-ghi_jkl',
      'Authorization: Bearer [REDACTED:bearer_auth]',
    ],
    [
      'basic header, keeping the scheme',
      'Authorization: Basic dXNlcjpwYXNzd29yZA==',
      'Authorization: Basic [REDACTED:basic_auth]',
    ],
    [
      'URL password, keeping user and host',
      'postgres://bob:hunter2@db.internal:5432/app',
      'postgres://bob:[REDACTED:url_credentials]@db.internal:5432/app',
    ],
    [
      'env-file secret assignment',
      `AWS_SECRET_ACCESS_KEY=${'wJalrXUtnFEMI/K7MDENG'}\nREGION=eu-west-1`,
      'AWS_SECRET_ACCESS_KEY=[REDACTED:secret_assignment]\nREGION=eu-west-1',
    ],
    [
      'quoted password in a config line',
      `db: { password = "${'correct horse'}" }`,
      'db: { password = [REDACTED:secret_assignment] }',
    ],
    ['token in log output', `login ok, token: ${'a1b2c3d4e5'}`, 'login ok, token: [REDACTED:secret_assignment]'],
  ];
  for (const [what, input, expected] of cases) {
    it(`redacts a ${what} inside a string`, () => {
      assert.equal(r({ note: input }).value.note, expected);
    });
  }

  it('leaves ordinary text, public URLs and Stripe publishable keys alone', () => {
    const plain = {
      summary: '3 issues · Score: 78 · (B)',
      url: 'https://example.com/path?q=1',
      email: 'ops@example.com',
      pk: 'pk_live_' + '4eC39HqLyjWDarjtT1zdp7dc',
      sha: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      prose: 'Basic authentication is enabled on /admin; prefer bearer authentication',
      settings: 'password: required, token_count: 500000, max_tokens: 4096, secret: none',
    };
    const out = r(plain);
    assert.deepEqual(out.value, plain);
    assert.deepEqual(out.fired, []);
  });

  it('reports each rule that fired once, sorted', () => {
    const out = r({ a: SECRETS.jwt, b: [SECRETS.jwt, SECRETS.aws_access_key] });
    assert.deepEqual(out.fired, ['aws_access_key', 'jwt']);
  });
});

describe('redactor: secret-looking keys', () => {
  const redacted: [string, string][] = [
    ['password', 'password'],
    ['DB_PASSWORD', 'password'],
    ['passwd', 'password'],
    ['userPassword', 'password'],
    ['secret', 'secret'],
    ['client_secret', 'secret'],
    ['clientSecret', 'secret'],
    ['aws_secret_access_key', 'secret'],
    ['token', 'token'],
    ['access_token', 'token'],
    ['GITHUB_TOKEN', 'token'],
    ['refreshToken', 'token'],
    ['X-Auth-Token', 'token'],
    ['api_key', 'api_key'],
    ['apiKey', 'api_key'],
    ['APIKey', 'api_key'],
    ['apikey', 'api_key'],
    ['x-api-key', 'api_key'],
    ['private_key', 'private_key'],
    ['privateKey', 'private_key'],
    ['Authorization', 'authorization'],
    ['authorization', 'authorization'],
    ['cookie', 'cookie'],
    ['Set-Cookie', 'cookie'],
    ['credentials', 'credentials'],
    ['password_hash', 'password'],
  ];
  for (const [key, rule] of redacted) {
    it(`replaces the whole value of key "${key}" with [REDACTED:${rule}]`, () => {
      const out = r({ [key]: 'opaque-value-123' });
      assert.deepEqual(out.value, { [key]: `[REDACTED:${rule}]` });
      assert.deepEqual(out.fired, [rule]);
    });
  }

  const kept = [
    'token_count',
    'max_tokens',
    'tokens',
    'token_type',
    'tokenizer',
    'secret_name',
    'secrets',
    'password_policy',
    'password_min_length',
    'key',
    'card_key',
    'aws_access_key_id',
    'private_key_path',
    'pwd',
    'author',
  ];
  for (const key of kept) {
    it(`keeps key "${key}" (a count, name or setting, not a secret value)`, () => {
      const out = r({ [key]: 42 });
      assert.deepEqual(out.value, { [key]: 42 });
      assert.deepEqual(out.fired, []);
    });
  }

  it('redacts a whole object or array under a secret key, and numbers (PINs)', () => {
    const out = r({ credentials: { user: 'bob', pass: 'x' }, token: ['a', 'b'], pin_password: 1234 });
    assert.deepEqual(out.value, {
      credentials: '[REDACTED:credentials]',
      token: '[REDACTED:token]',
      pin_password: '[REDACTED:password]',
    });
  });

  it('keeps booleans, null and empty strings under secret keys (they carry no secret)', () => {
    const input = { password: true, token: null, secret: '' };
    assert.deepEqual(r(input).value, input);
    assert.deepEqual(r(input).fired, []);
  });

  it('normalizes camelCase, kebab-case and dotted keys to snake_case', () => {
    assert.equal(normalizeKey('clientSecret'), 'client_secret');
    assert.equal(normalizeKey('X-Api-Key'), 'x_api_key');
    assert.equal(normalizeKey('APIKey'), 'api_key');
    assert.equal(normalizeKey('db.password'), 'db_password');
  });
});

describe('redactor: copies and structure', () => {
  it('returns a deep copy and never mutates the input', () => {
    const input = { a: { password: 'p', list: [{ token: 't' }, 'Bearer abc123defgh'] }, n: 1 };
    const before = structuredClone(input);
    const out = r(input).value;
    assert.deepEqual(input, before);
    assert.notEqual(out, input);
    assert.notEqual(out.a, input.a);
    assert.notEqual(out.a.list, input.a.list);
    assert.deepEqual(out, {
      a: { password: '[REDACTED:password]', list: [{ token: '[REDACTED:token]' }, 'Bearer [REDACTED:bearer_auth]'] },
      n: 1,
    });
  });

  it('redacts nested arrays of objects at any depth', () => {
    let deep: unknown = { password: 'p' };
    for (let i = 0; i < 50; i++) deep = [{ level: i, child: deep }];
    let out = r(deep).value as unknown;
    for (let i = 0; i < 50; i++) out = (out as { child: unknown }[])[0]!.child;
    assert.deepEqual(out, { password: '[REDACTED:password]' });
  });

  it('refuses a circular value with a ValidationError naming the path', () => {
    const a: Record<string, unknown> = { x: { y: 1 } };
    (a.x as Record<string, unknown>).back = a;
    assert.throws(
      () => r(a),
      (e: unknown) =>
        e instanceof ValidationError && e.code === 'validation' && e.data.issues[0]!.path === '(root).x.back',
    );
  });

  it('copies a shared (non-circular) object at each place it appears', () => {
    const shared = { token: 't' };
    const out = r({ a: shared, b: shared }).value;
    assert.deepEqual(out, { a: { token: '[REDACTED:token]' }, b: { token: '[REDACTED:token]' } });
    assert.notEqual(out.a, out.b);
  });

  it('serializes Dates as JSON does', () => {
    assert.deepEqual(r({ at: new Date('2026-01-02T03:04:05Z') }).value, { at: '2026-01-02T03:04:05.000Z' });
  });

  it('redacts a bare string', () => {
    assert.equal(r(`x ${SECRETS.aws_access_key}`).value, 'x [REDACTED:aws_access_key]');
  });
});

describe('redactor: host rules', () => {
  it('adds host rules after the defaults', () => {
    const custom = createRedactor({
      rules: [
        { name: 'ssn', value: /\b\d{3}-\d{2}-\d{4}\b/ },
        { name: 'employee', key: /^employee_id$/ },
      ],
    });
    const out = custom.redact({ note: 'ssn 123-45-6789', employee_id: 'E1', password: 'p' });
    assert.deepEqual(out.value, {
      note: 'ssn [REDACTED:ssn]',
      employee_id: '[REDACTED:employee]',
      password: '[REDACTED:password]',
    });
    assert.deepEqual(out.fired, ['employee', 'password', 'ssn']);
  });

  it('uses only the host rules with replaceDefaults', () => {
    const custom = createRedactor({ replaceDefaults: true, rules: [{ name: 'internal', value: /INT-\d+/ }] });
    assert.deepEqual(custom.redact({ password: 'p', t: 'INT-42' }).value, { password: 'p', t: '[REDACTED:internal]' });
    assert.deepEqual(
      custom.rules.map((x) => x.name),
      ['internal'],
    );
  });

  it('is not confused by global or sticky flags on host patterns', () => {
    const custom = createRedactor({
      replaceDefaults: true,
      rules: [{ name: 'pin', key: /^pin$/g, value: /PIN\d{4}/gy }],
    });
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(custom.redact({ pin: 1, a: 'x PIN1234 PIN9999' }).value, {
        pin: '[REDACTED:pin]',
        a: 'x [REDACTED:pin] [REDACTED:pin]',
      });
    }
  });

  it('rejects a rule with a bad name, no pattern, or a pattern matching nothing', () => {
    const bad = [
      { name: 'has space', value: /x/ },
      { name: 'nopattern' },
      { name: 'empty', value: /a*/ },
      { name: '', value: /x/ },
    ];
    for (const rule of bad) {
      assert.throws(
        () => createRedactor({ rules: [rule as never] }),
        (e: unknown) => e instanceof ValidationError,
      );
    }
  });
});

describe('redactor: idempotence (property)', () => {
  const seed = Number(process.env.FC_SEED ?? 20261123);
  const samples = [...Object.values(SECRETS), 'Bearer abcdefghijkl', 'Basic dXNlcjpwYXNz', 'https://u:p@h/x'];
  const fragments = [
    'PASSWORD=',
    'token: ',
    '"',
    'x9_Y',
    '[REDACTED:jwt]',
    '[REDACTED:',
    ']',
    'Bearer ',
    'Basic ',
    '://',
    ':',
    '@',
    'AKIA',
    'eyJ',
    '.',
    '-----BEGIN PRIVATE KEY-----',
    '\n',
    ' ',
  ];
  const text = fc
    .array(fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom(...samples), fc.constantFrom(...fragments)), {
      maxLength: 6,
    })
    .map((parts) => parts.join(''));
  const key = fc.oneof(
    fc.string({ maxLength: 6 }),
    fc.constantFrom(
      'password',
      'token',
      'token_count',
      'apiKey',
      'Authorization',
      'data',
      'secrets',
      '0',
      '10',
      '2',
      'b',
      'B',
      '__proto__',
      'é',
    ),
  );
  const { value } = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      text,
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.array(tie('value'), { maxLength: 4 }),
      fc.dictionary(key, tie('value'), { maxKeys: 4 }),
    ),
  }));

  it('redact(redact(x)) equals redact(x), and the second pass fires nothing', () => {
    console.log(`fast-check seed ${seed} (set FC_SEED to replay another)`);
    // biome-ignore lint/nursery/noFloatingPromises: fc.assert of a synchronous property returns nothing
    fc.assert(
      fc.property(value, (x) => {
        const once = redactor.redact(x);
        const twice = redactor.redact(once.value);
        assert.deepEqual(twice.value, once.value);
        assert.deepEqual(twice.fired, []);
      }),
      { seed, numRuns: 2000 },
    );
  });

  it('redactCanonical gives the same copy as redact, and exactly canonicalJson of it', () => {
    const withOddities = fc.oneof(
      value,
      fc.record({
        d: fc.date({ noInvalidDate: true }),
        u: fc.constant(undefined),
        a: fc.array(fc.oneof(fc.constant(undefined), fc.double({ noNaN: true, noDefaultInfinity: true }))),
      }),
    );
    // biome-ignore lint/nursery/noFloatingPromises: fc.assert of a synchronous property returns nothing
    fc.assert(
      fc.property(withOddities, (x) => {
        const plain = redactor.redact(x);
        const both = redactor.redactCanonical!(x);
        assert.deepEqual(both.value, plain.value);
        assert.deepEqual(both.fired, plain.fired);
        assert.equal(both.canonical, canonicalJson(plain.value));
      }),
      { seed, numRuns: 1000 },
    );
  });

  it('redactCanonical refuses what canonical JSON cannot encode, with TypeError', () => {
    for (const bad of [{ n: Number.NaN }, { f: () => 1 }, [Infinity], undefined]) {
      assert.throws(() => redactor.redactCanonical!(bad), TypeError);
    }
  });

  it('leaves no default-format secret readable in any string it returns', () => {
    // biome-ignore lint/nursery/noFloatingPromises: fc.assert of a synchronous property returns nothing
    fc.assert(
      fc.property(value, (x) => {
        const json = JSON.stringify(redactor.redact(x).value) ?? '';
        for (const s of Object.values(SECRETS))
          assert.ok(!json.includes(JSON.stringify(s).slice(1, -1)), `still contains ${s}`);
      }),
      { seed, numRuns: 1000 },
    );
  });
});
