/** The comparison as CSV: RFC 4180 quoting, one row per run, and no formulas for spreadsheets. */
import { strict as assert } from 'node:assert';
import type { RunComparison } from '../../core/common/comparison';
import { comparisonCsv, csvField, csvRow, defuseFormula } from '../../core/common/comparison-csv';

/** A minimal RFC 4180 reader, to check that what we write reads back as the same cells. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += ch;
  }
  if (cell !== '' || row.length) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

describe('comparison CSV', () => {
  it('quotes fields with commas, quotes, CR or LF and doubles inner quotes', () => {
    assert.equal(csvField('plain'), 'plain');
    assert.equal(csvField('a,b'), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField('two\nlines'), '"two\nlines"');
    assert.equal(csvField('cr\rhere'), '"cr\rhere"');
    assert.equal(csvField(''), '');
  });

  it('prefixes cells a spreadsheet would run as formulas, but not numbers', () => {
    assert.equal(defuseFormula('=1+2'), "'=1+2");
    assert.equal(defuseFormula('+cmd'), "'+cmd");
    assert.equal(defuseFormula("-2+3+cmd|' /C calc'!A0"), "'-2+3+cmd|' /C calc'!A0");
    assert.equal(defuseFormula('@SUM(A1)'), "'@SUM(A1)");
    assert.equal(defuseFormula('\t=1'), "'\t=1");
    assert.equal(defuseFormula('-0.5'), '-0.5');
    assert.equal(defuseFormula('+3'), '+3');
    assert.equal(defuseFormula('-1e-3'), '-1e-3');
    assert.equal(defuseFormula('-Infinity'), "'-Infinity");
    assert.equal(defuseFormula('a=b'), 'a=b');
    assert.equal(
      csvRow(['=HYPERLINK("http://x","y")', 'ok']),
      `"'=HYPERLINK(""http://x"",""y"")",ok`,
    );
  });

  it('writes one row per run with params and latest metrics, CRLF line ends', () => {
    const c: RunComparison = {
      runs: [
        { id: 'aaaa1111', name: 'small, "quoted"', experiment: 'penguins', status: 'finished' },
        { id: 'bbbb2222', name: "=cmd|'/C calc'!A0", experiment: 'penguins', status: 'failed' },
      ],
      params: [
        { key: 'lr', values: ['0.01', '-0.5'], differs: true },
        { key: 'note', values: [null, 'line one\nline two'], differs: true },
      ],
      metrics: [
        { key: 'acc', values: [0.91, 'NaN'], higherIsBetter: true, best: [0] },
        { key: 'loss', values: [-0.25, '-Infinity'], higherIsBetter: false, best: [1] },
        { key: 'val_acc', values: [null, 1e-7], higherIsBetter: true, best: [1] },
      ],
    };
    const text = comparisonCsv(c);
    assert.ok(text.endsWith('\r\n'));
    assert.equal(
      text.split('\r\n')[0],
      'run_id,name,experiment,status,params.lr,params.note,metrics.acc,metrics.loss,metrics.val_acc',
    );
    assert.deepEqual(parseCsv(text), [
      [
        'run_id',
        'name',
        'experiment',
        'status',
        'params.lr',
        'params.note',
        'metrics.acc',
        'metrics.loss',
        'metrics.val_acc',
      ],
      ['aaaa1111', 'small, "quoted"', 'penguins', 'finished', '0.01', '', '0.91', '-0.25', ''],
      [
        'bbbb2222',
        "'=cmd|'/C calc'!A0",
        'penguins',
        'failed',
        '-0.5',
        'line one\nline two',
        'NaN',
        "'-Infinity",
        '1e-7',
      ],
    ]);
  });

  it('defuses formula-like param keys in the header too', () => {
    const c: RunComparison = {
      runs: [
        { id: 'a', name: 'a', experiment: 'e', status: 'finished' },
        { id: 'b', name: 'b', experiment: 'e', status: 'finished' },
      ],
      params: [],
      metrics: [{ key: '=evil', values: [1, 2], higherIsBetter: true, best: [1] }],
    };
    // The header cell is "metrics.=evil": it does not start with "=", so it stays as it is.
    assert.equal(parseCsv(comparisonCsv(c))[0][4], 'metrics.=evil');
    assert.equal(
      parseCsv(
        comparisonCsv({ ...c, runs: [{ ...c.runs[0], experiment: '@x' }, c.runs[1]] }),
      )[1][2],
      "'@x",
    );
  });
});
