import { strict as assert } from 'node:assert';
import { richRepresentation } from '../../kernel/executor';
import { profile, PROFILE_MIME } from '../../kernel/sdk/profile';

describe('lab.profile', () => {
  it('resolves with a profile that draws itself as a cell result, and stays plain JSON', async () => {
    const rows = [
      { species: 'Adelie', mass: 3750 },
      { species: 'Gentoo', mass: null },
      { species: 'Adelie', mass: 3800 },
    ];
    const p = await profile(rows, { name: 'three penguins' });
    assert.equal(p.rows, 3);
    assert.equal(p.columns.find((c) => c.name === 'mass')?.missing, 1);
    const bundle = richRepresentation(p);
    const drawn = bundle[PROFILE_MIME] as { rows: number; source: string };
    assert.equal(drawn.rows, 3);
    assert.equal(drawn.source, 'three penguins');
    assert.match(String(bundle['text/plain']), /three penguins/);
    assert.deepEqual(JSON.parse(JSON.stringify(p)).rows, 3);
    assert.equal(
      Object.keys(p).some((k) => k.includes('mimeBundle')),
      false,
    );
  });

  it('names the bad input', async () => {
    await assert.rejects(profile([1, 2] as unknown as object[]), /row 0 is number, not an object/);
    await assert.rejects(profile('no/such/file.csv'), /no such file/);
  });
});
