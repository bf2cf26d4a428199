import { expect } from '@esm-bundle/chai';
import type { EntryMeta } from '../../../../src/core/schemas/ledger.js';
import { csvField, toCsv, toJsonl } from '../../../../src/core/export/entries.js';
import { queryOf, type LogFilters } from '../../../../src/elements/audit-log/log-query.js';

const label = (k: string) => (k === 'k8s' ? 'Kubernetes' : k);

/** A CSV line cut at `sep` wherever it is not inside a quoted field. */
function splitOutsideQuotes(line: string, sep: string): string[] {
  const cells = [''];
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    if (ch === sep && !quoted) cells.push('');
    else cells[cells.length - 1] += ch;
  }
  return cells;
}

describe('audit log: export text', () => {
  it('quotes fields with commas, quotes, CR or LF and doubles quotes (RFC 4180)', () => {
    expect(csvField('plain')).to.equal('plain');
    expect(csvField('a,b')).to.equal('"a,b"');
    expect(csvField('say "hi"')).to.equal('"say ""hi"""');
    expect(csvField('line1\nline2')).to.equal('"line1\nline2"');
    expect(csvField('cr\rhere')).to.equal('"cr\rhere"');
    expect(csvField(undefined)).to.equal('');
    expect(csvField(1234)).to.equal('1234');
  });

  it('neutralises spreadsheet formulas with a leading quote, and quotes them', () => {
    expect(csvField('=HYPERLINK("http://x")')).to.equal('"\'=HYPERLINK(""http://x"")"');
    expect(csvField('+1')).to.equal('"\'+1"');
    expect(csvField('-2')).to.equal('"\'-2"');
    expect(csvField('@SUM(A1)')).to.equal('"\'@SUM(A1)"');
    expect(csvField('\tcmd')).to.equal('"\'\tcmd"');
    expect(csvField('\rcmd')).to.equal('"\'\rcmd"');
    expect(csvField('a=b')).to.equal('a=b');
    expect(csvField(-3)).to.equal('-3');
  });

  it('quotes cells holding either separator in both dialects, so no cell splits into a formula', () => {
    for (const cell of ['safe;=1+1', 'a,b', 'x;y', 'tab\there']) expect(csvField(cell)).to.equal(`"${cell}"`);
    const entry: EntryMeta = {
      kind: 'audit',
      id: 'k8s_1',
      time: '2026-11-23T09:00:00.000Z',
      status: 'ok',
      summary: 'safe;=1+1',
      actor: 'a,b',
      card_key: 'k8s',
      reason: '-1;@x',
    };
    for (const separator of [',', ';'] as const) {
      const [header, row] = toCsv([entry], label, { separator }).split('\r\n');
      expect(header).to.equal(
        ['time', 'kind', 'id', 'actor', 'action', 'target', 'card', 'status', 'summary', 'reason', 'duration_ms'].join(
          separator,
        ),
      );
      expect(row).to.equal(
        [
          '2026-11-23T09:00:00.000Z',
          'audit',
          'k8s_1',
          '"a,b"',
          'audit:saved',
          'Kubernetes',
          'k8s',
          'ok',
          '"safe;=1+1"',
          '"\'-1;@x"',
          '',
        ].join(separator),
      );
      // Opened with either separator (a spreadsheet splits outside quotes only): its own gives the
      // 11 cells, the other none at all (never a cell cut out of a quoted one); no cell is a formula.
      for (const opened of [',', ';']) {
        const cells = splitOutsideQuotes(row!, opened);
        expect(cells).to.have.length(opened === separator ? 11 : 1);
        expect(cells.filter((c) => /^[=+\-@\t\r]/.test(c))).to.deep.equal([]);
      }
    }
    expect(() => toCsv([entry], label, { separator: '\t' as ',' }))
      .to.throw()
      .with.property('code', 'validation');
  });

  it('writes one CRLF-terminated row per entry with action and target as the table shows them', () => {
    const entries: EntryMeta[] = [
      {
        kind: 'run',
        id: 'run_1',
        time: '2026-11-23T10:00:00.000Z',
        status: 'ok',
        summary: 'rolled out, 3 pods',
        actor: 'ana',
        type: 'deploy',
        subtype: 'deploy:k8s',
        target: 'prod',
        duration_ms: 1200,
      },
      {
        kind: 'audit',
        id: 'k8s_1',
        time: '2026-11-23T09:00:00.000Z',
        status: 'ok',
        summary: '=cmd|/c calc',
        actor: 'bo',
        card_key: 'k8s',
      },
    ];
    const csv = toCsv(entries, label);
    expect(csv.split('\r\n')).to.deep.equal([
      'time,kind,id,actor,action,target,card,status,summary,reason,duration_ms',
      '2026-11-23T10:00:00.000Z,run,run_1,ana,deploy:k8s,prod,,ok,"rolled out, 3 pods",,1200',
      '2026-11-23T09:00:00.000Z,audit,k8s_1,bo,audit:saved,Kubernetes,k8s,ok,"\'=cmd|/c calc",,',
      '',
    ]);
  });

  it('writes JSON Lines that parse back to the same entries', () => {
    const entries: EntryMeta[] = [
      { kind: 'run', id: 'run_1', time: '2026-11-23T10:00:00.000Z', status: 'ok', summary: 'a\nb "c"' },
      { kind: 'audit', id: 'x_1', time: '2026-11-23T09:00:00.000Z', status: 'ok', summary: '\u202Eevil' },
    ];
    const lines = toJsonl(entries).split('\n');
    expect(lines).to.have.length(3);
    expect(lines[2]).to.equal('');
    expect(lines.slice(0, 2).map((l) => JSON.parse(l))).to.deep.equal(entries);
  });
});

describe('audit log: filters → ledger query', () => {
  const none: LogFilters = { actor: '', action: '', status: '', card: '', text: '', range: '', from: '', to: '' };
  const now = new Date('2026-11-23T12:00:00.000Z');

  it('adds no condition for empty filters', () => {
    expect(queryOf(none, now)).to.deep.equal({});
  });

  it('maps actions to kinds and run actions', () => {
    expect(queryOf({ ...none, action: 'audit:saved' }, now)).to.deep.equal({ kind: 'audit' });
    expect(queryOf({ ...none, action: 'run' }, now)).to.deep.equal({ kind: 'run' });
    expect(queryOf({ ...none, action: 'deploy:k8s' }, now)).to.deep.equal({ kind: 'run', action: 'deploy:k8s' });
  });

  it('turns presets into a lower bound relative to now and custom ranges into since/until', () => {
    expect(queryOf({ ...none, range: '24h' }, now)).to.deep.equal({ since: '2026-11-22T12:00:00.000Z' });
    expect(queryOf({ ...none, range: '7d' }, now).since).to.equal('2026-11-16T12:00:00.000Z');
    const from = '2026-11-01T08:30';
    const q = queryOf({ ...none, range: 'custom', from, to: '' }, now);
    expect(q).to.deep.equal({ since: new Date(from).toISOString() });
  });

  it('trims actor and text and passes status and card through', () => {
    expect(queryOf({ ...none, actor: ' ana ', text: ' pods ', status: 'failed', card: 'k8s' }, now)).to.deep.equal({
      actor: 'ana',
      text: 'pods',
      status: 'failed',
      card: 'k8s',
    });
  });
});
