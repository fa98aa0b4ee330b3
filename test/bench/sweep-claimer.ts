/**
 * One claiming process of the sweep benchmark (test/bench/sweep.bench.ts): claims trials
 * of a study until none is left, timing each claim, and ends each trial at once (not
 * timed). `store`: the study store's claim (reap, lease, attempt log, fenced finish);
 * `bare`: the bare UPDATE … RETURNING. Prints {"claims":n,"ms":total}.
 * Usage: node sweep-claimer.js <store> <study> <store|bare> <worker>
 */
import { openStore, studyStore } from '../../core/store';
import { bareClaim } from '../../core/store/sqlite/studies';

const [address, studyName, mode, worker] = process.argv.slice(2);
const store = openStore({ path: address });
const studies = studyStore(store);
const study = studies.study(studyName)!;
let claims = 0;
let ms = 0;
for (;;) {
  const t0 = performance.now();
  if (mode === 'bare') {
    const id = bareClaim(store.sql, study.id, worker);
    ms += performance.now() - t0;
    if (id === undefined) break;
  } else {
    const trial = studies.claimTrial(study.id, worker);
    ms += performance.now() - t0;
    if (!trial) break;
    studies.finishTrial(
      { trialId: trial.id, worker, attempt: trial.attempt },
      { state: 'finished', value: 0 },
    );
  }
  claims += 1;
}
process.stdout.write(`${JSON.stringify({ claims, ms })}\n`);
store.close();
