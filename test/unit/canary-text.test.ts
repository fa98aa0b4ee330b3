/** Issue 14, item 6: "Start Canary…" names versions "v3", as the rest of the UI does. */
import { strict as assert } from 'node:assert';
import { canaryPrompts, versionName } from '../../extension/deployments/canaryText';

describe('canary prompts', () => {
  it('name the candidate "v3", never a bare number', () => {
    const text = canaryPrompts(
      { name: 'penguins', primaryVersion: 2, url: 'http://127.0.0.1:8501' },
      '3',
      10,
    );
    assert.deepEqual(text, {
      weightTitle: 'Share of traffic for the canary v3 on penguins',
      reason: 'canary of v3 at 10%',
      confirm: 'Start a canary of v3 on penguins?',
      confirmDetail:
        'penguins keeps running: v2 answers 90% and the candidate v3 10% of requests, at the same URL (http://127.0.0.1:8501) and with the same token. ' +
        'The candidate loads beside the primary before any request goes to it.',
    });
    for (const line of Object.values(text))
      assert.doesNotMatch(
        line,
        /canary \d|of \d+ on/,
        `"${line}" names a version by a bare number`,
      );
  });

  it('shows a ref that is not a bare version number as given', () => {
    assert.equal(versionName('3'), 'v3');
    assert.equal(versionName('v3'), 'v3');
    assert.equal(versionName('@staging'), '@staging');
    assert.equal(versionName('penguins/4'), 'penguins/4');
  });
});
