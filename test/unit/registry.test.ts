/**
 * The model registry on a real SQLite file: version numbering, references, stages with
 * archive-on-promotion in one transaction, promotion gates (run metrics and "not worse than
 * Production" with an injected evaluation, so no tfjs here), aliases, the gates file,
 * model cards and the migration of a schema 1 store.
 */
import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { Store, StoreError } from '../../core/store';
import { MIGRATIONS, SCHEMA_VERSION } from '../../core/store/schema';
import {
  Registry,
  RegistryError,
  buildModelCard,
  gatesFileName,
  gatesPath,
  modelCardMarkdown,
  parseModelRef,
  readGates,
  resolveModelRef,
  saveGates,
  validateGatesConfig,
  type EvaluateVersion,
  type GateResult,
  type GatesConfig,
  type Holdout,
  type HoldoutEvaluation,
  type HoldoutInfo,
  type Stage,
} from '../../core/registry';
import { ServiceClient } from '../../core/service/client';
import { makeTempDir, removeDir, sha256 } from './temp';

async function expectRegistryError(
  fn: () => unknown,
  code: RegistryError['code'],
  pattern: RegExp,
): Promise<RegistryError> {
  let caught: unknown;
  try {
    await fn();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof RegistryError, `expected a RegistryError, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  assert.match(caught.message, pattern);
  return caught;
}

/** A fake evaluation: metrics per version, recording what it was asked. */
function fakeEvaluate(
  results: Record<number, HoldoutEvaluation['metrics']>,
  slices?: HoldoutEvaluation['slices'],
) {
  const calls: {
    version: number;
    holdoutRows: number | undefined;
    sliceColumn: string | undefined;
  }[] = [];
  const evaluate: EvaluateVersion = async (_store, version, options) => {
    calls.push({
      version: version.version,
      holdoutRows: options?.holdout?.rows.length,
      sliceColumn: options?.sliceColumn,
    });
    const metrics = results[version.version];
    if (!metrics) throw new Error(`no fake result for v${version.version}`);
    return {
      rows: options?.holdout?.rows.length ?? 0,
      metrics,
      ...(options?.sliceColumn && slices ? { slices } : {}),
    };
  };
  return { evaluate, calls };
}

describe('model registry', () => {
  let dir: string;
  let store: Store;
  let registry: Registry;
  let fake: ReturnType<typeof fakeEvaluate>;

  /** A finished run with metrics, a model artifact folder and optionally a holdout set. */
  function trainedRun(
    metrics: Record<string, number>,
    options: { holdoutRows?: number; experiment?: string } = {},
  ): { runId: string; holdout: HoldoutInfo | undefined } {
    const run = store.createRun({
      experiment: options.experiment ?? 'penguins',
      name: `run-${Object.values(metrics).join('-')}`,
    });
    store.insertMetricPoints(
      Object.entries(metrics).map(([key, value]) => ({
        runId: run.id,
        key,
        step: 0,
        timestamp: Date.now(),
        value,
      })),
    );
    store.logParams(run.id, { lr: '0.01', units: '16' });
    store.logArtifact(run.id, 'model/model.json', '{"modelTopology":{}}');
    store.endRun(run.id, 'finished');
    let holdout: HoldoutInfo | undefined;
    if (options.holdoutRows !== undefined) {
      const rows = Array.from({ length: options.holdoutRows }, (_, i) => ({
        bill: i,
        island: i % 2 ? 'Dream' : 'Biscoe',
        species: 'Adelie',
      }));
      const text = JSON.stringify({ rows, label: 'species' } satisfies Holdout);
      store.logArtifact(run.id, 'model/holdout.json', text);
      holdout = {
        artifact: 'model/holdout.json',
        rows: rows.length,
        label: 'species',
        columns: ['bill', 'island', 'species'],
        sha256: sha256(text),
      };
    }
    return { runId: run.id, holdout };
  }

  function register(name: string, metrics: Record<string, number>, holdoutRows?: number) {
    const { runId, holdout } = trainedRun(metrics, { holdoutRows });
    return registry.registerVersion({ name, runId, artifactPath: 'model/', holdout, by: 'tester' });
  }

  function writeGates(name: string, config: GatesConfig) {
    saveGates(store.location, name, config);
  }

  beforeEach(() => {
    dir = makeTempDir('labbook-registry-');
    store = Store.open({ path: join(dir, '.labbook', 'labbook.db') });
    fake = fakeEvaluate({});
    registry = new Registry(store, {
      evaluate: (...args) => fake.evaluate(...args),
      who: () => 'default-user',
    });
  });
  afterEach(() => {
    store.close();
    removeDir(dir);
  });

  describe('versions', () => {
    it('numbers versions 1, 2, 3 per model, links each to its run and records the registration', () => {
      const v1 = register('penguins', { val_acc: 0.9 });
      const v2 = register('penguins', { val_acc: 0.92 });
      const other = register('iris', { val_acc: 0.5 });
      const v3 = register('penguins', { val_acc: 0.93 });
      assert.deepEqual([v1.version, v2.version, v3.version, other.version], [1, 2, 3, 1]);
      assert.equal(v1.stage, 'None');
      assert.equal(v1.artifactPath, 'model/');
      assert.equal(v1.createdBy, 'tester');
      assert.deepEqual(
        registry.listVersions('penguins').map((v) => v.version),
        [3, 2, 1],
      );
      const model = registry.getModel('penguins')!;
      assert.equal(model.latestVersion, 3);
      assert.equal(model.production, null);
      assert.deepEqual(
        registry.listModels().map((m) => m.name),
        ['iris', 'penguins'],
      );
      const history = registry.history('penguins');
      assert.deepEqual(
        history.map((t) => [t.kind, t.version, t.to, t.by]),
        [
          ['registered', 3, 'None', 'tester'],
          ['registered', 2, 'None', 'tester'],
          ['registered', 1, 'None', 'tester'],
        ],
      );
      assert.equal(registry.versionsOfRun(v2.runId)[0].version, 2);
      assert.equal(registry.inUse('penguins', 1), false);
    });

    it('uses the default user when the call names none', () => {
      const { runId } = trainedRun({ val_acc: 0.9 });
      assert.equal(
        registry.registerVersion({ name: 'm', runId, artifactPath: 'model' }).createdBy,
        'default-user',
      );
    });

    it('refuses bad names, unknown runs and folders without a model', async () => {
      const { runId } = trainedRun({ val_acc: 0.9 });
      await expectRegistryError(
        () => registry.registerVersion({ name: 'a@b', runId, artifactPath: 'model/' }),
        'INVALID',
        /contains "@"/,
      );
      await expectRegistryError(
        () => registry.registerVersion({ name: 'a/b', runId, artifactPath: 'model/' }),
        'INVALID',
        /contains "\/"/,
      );
      await expectRegistryError(
        () => registry.registerVersion({ name: ' pad', runId, artifactPath: 'model/' }),
        'INVALID',
        /white space/,
      );
      await expectRegistryError(
        () => registry.registerVersion({ name: 'm', runId: 'nope', artifactPath: 'model/' }),
        'NOT_FOUND',
        /no run with id "nope"/,
      );
      await expectRegistryError(
        () => registry.registerVersion({ name: 'm', runId, artifactPath: 'weights/' }),
        'NOT_FOUND',
        /no model at weights\/.*models in this run: model\//,
      );
      await expectRegistryError(
        () => registry.registerVersion({ name: 'm', runId, artifactPath: '../x' }),
        'INVALID',
        /artifactPath/,
      );
      assert.equal(registry.getModel('m'), undefined, 'nothing registered by failed attempts');
    });

    it('registers from a run: picks up holdout.json, and reuses the signature of the same folder registered before', () => {
      const { runId } = trainedRun({ val_acc: 0.9 });
      const rows = [
        { bill: 1, species: 'Adelie' },
        { bill: 2, species: 'Gentoo' },
      ];
      store.logArtifact(
        runId,
        'model/holdout.json',
        JSON.stringify({ label: 'species', columns: ['bill', 'species'], rows }),
      );
      const signature = {
        features: [{ name: 'bill', dtype: 'float32' as const }],
        inputShape: [null, 1],
        outputShape: [null, 2],
        task: 'classification' as const,
        labels: ['Adelie', 'Gentoo'],
      };
      registry.registerVersion({ name: 'first', runId, artifactPath: 'model/', signature });
      const v = registry.registerFromRun({ name: 'second', runId, artifactPath: 'model' });
      assert.deepEqual(v.holdout, {
        artifact: 'model/holdout.json',
        rows: 2,
        label: 'species',
        columns: ['bill', 'species'],
        sha256: store.listArtifacts(runId).find((a) => a.name === 'model/holdout.json')!.sha256,
      });
      assert.deepEqual(v.signature, signature);
    });

    it('names with spaces and dots are fine', () => {
      assert.equal(register('penguin classifier v.2', { val_acc: 0.9 }).version, 1);
      assert.equal(resolveModelRef(registry, 'penguin classifier v.2/1').version, 1);
    });

    it('keeps the runs of registered versions: purging them is refused', () => {
      const v = register('penguins', { val_acc: 0.9 });
      store.deleteRun(v.runId);
      assert.throws(
        () => store.purgeRuns([v.runId]),
        (e: unknown) =>
          e instanceof StoreError && /registered model versions.*"penguins" v1/.test(e.message),
      );
      assert.ok(store.getRun(v.runId));
    });
  });

  describe('references', () => {
    beforeEach(async () => {
      register('penguins', { val_acc: 0.9 });
      register('penguins', { val_acc: 0.91 });
      register('penguins', { val_acc: 0.92 });
      await registry.promote({ name: 'penguins', version: 2, to: 'Production' });
      registry.setAlias('penguins', 1, 'champion');
    });

    it('parses NAME, NAME/3, NAME@stage in any case and NAME@alias', () => {
      assert.deepEqual(parseModelRef('penguins'), {
        name: 'penguins',
        selector: { kind: 'latest' },
      });
      assert.deepEqual(parseModelRef('penguins/3'), {
        name: 'penguins',
        selector: { kind: 'version', version: 3 },
      });
      assert.deepEqual(parseModelRef('penguins@PRODUCTION'), {
        name: 'penguins',
        selector: { kind: 'stage', stage: 'Production' },
      });
      assert.deepEqual(parseModelRef('my model@champion'), {
        name: 'my model',
        selector: { kind: 'alias', alias: 'champion' },
      });
    });

    it('resolves each form to a version', () => {
      assert.equal(resolveModelRef(registry, 'penguins').version, 3);
      assert.equal(resolveModelRef(registry, 'penguins/1').version, 1);
      assert.equal(resolveModelRef(registry, 'penguins@production').version, 2);
      assert.equal(resolveModelRef(registry, 'penguins@Production').version, 2);
      assert.equal(
        resolveModelRef(registry, 'penguins@none').version,
        3,
        'the newest of several in a stage',
      );
      assert.equal(resolveModelRef(registry, 'penguins@champion').version, 1);
      assert.equal(resolveModelRef(registry, 'penguins@Champion').version, 1);
    });

    it('says clearly what is missing or malformed', async () => {
      await expectRegistryError(
        () => resolveModelRef(registry, 'pinguins@production'),
        'NOT_FOUND',
        /no registered model named "pinguins" \(models: penguins\)/,
      );
      await expectRegistryError(
        () => resolveModelRef(registry, 'penguins@staging'),
        'NOT_FOUND',
        /has no version in Staging/,
      );
      await expectRegistryError(
        () => resolveModelRef(registry, 'penguins@challenger'),
        'NOT_FOUND',
        /no alias "challenger" \(aliases: champion\)/,
      );
      await expectRegistryError(
        () => resolveModelRef(registry, 'penguins/9'),
        'NOT_FOUND',
        /no version 9 \(versions 1 to 3\)/,
      );
      await expectRegistryError(() => parseModelRef('a@b@c'), 'INVALID', /more than one "@"/);
      await expectRegistryError(
        () => parseModelRef('a/x'),
        'INVALID',
        /"x" is not a version number/,
      );
      await expectRegistryError(() => parseModelRef('a/0'), 'INVALID', /not a version number/);
      await expectRegistryError(() => parseModelRef('a@1/2'), 'INVALID', /either "@" or "\/"/);
      await expectRegistryError(
        () => parseModelRef('@production'),
        'INVALID',
        /model name is empty/,
      );
      await expectRegistryError(() => parseModelRef('a@'), 'INVALID', /nothing after "@"/);
      await expectRegistryError(
        () => parseModelRef('a@3'),
        'INVALID',
        /write a version number as a\/3/,
      );
    });
  });

  describe('stages', () => {
    it('promoting to Production archives the previous Production version, and the history records both', async () => {
      register('penguins', { val_acc: 0.9 });
      register('penguins', { val_acc: 0.95 });
      const first = await registry.promote({
        name: 'penguins',
        version: 1,
        to: 'production',
        reason: 'first',
        by: 'alice',
      });
      assert.equal(first.archived, null);
      const second = await registry.promote({
        name: 'penguins',
        version: 2,
        to: 'Production',
        reason: 'better',
        by: 'bob',
      });
      assert.equal(second.archived, 1);
      assert.equal(registry.getVersion('penguins', 1)!.stage, 'Archived');
      assert.equal(registry.getVersion('penguins', 2)!.stage, 'Production');
      assert.equal(registry.getModel('penguins')!.production, 2);
      const [promoted, archived, ...rest] = registry.history('penguins');
      assert.deepEqual(
        [
          promoted.version,
          promoted.from,
          promoted.to,
          promoted.by,
          promoted.reason,
          promoted.forced,
        ],
        [2, 'None', 'Production', 'bob', 'better', false],
      );
      assert.deepEqual(
        [archived.version, archived.from, archived.to, archived.by, archived.reason],
        [1, 'Production', 'Archived', 'bob', 'replaced by v2'],
      );
      assert.equal(archived.at, promoted.at);
      assert.equal(promoted.id, archived.id + 1);
      assert.deepEqual(
        rest.map((t) => [t.kind, t.version, t.to]),
        [
          ['stage', 1, 'Production'],
          ['registered', 2, 'None'],
          ['registered', 1, 'None'],
        ],
      );
    });

    it('archives and promotes in one transaction: a failure part-way leaves both versions as they were', async () => {
      register('penguins', { val_acc: 0.9 });
      register('penguins', { val_acc: 0.95 });
      await registry.promote({ name: 'penguins', version: 1, to: 'Production' });
      // Make the last write of the promotion (its transition) fail, after the archive was written.
      const raw = new Database(store.location);
      raw.exec(`CREATE TRIGGER fail_v2 BEFORE INSERT ON model_transitions WHEN NEW.version = 2 AND NEW.to_stage = 'Production'
        BEGIN SELECT RAISE(ABORT, 'injected failure'); END`);
      raw.close();
      await assert.rejects(
        registry.promote({ name: 'penguins', version: 2, to: 'Production' }),
        /injected failure/,
      );
      assert.equal(registry.getVersion('penguins', 1)!.stage, 'Production');
      assert.equal(registry.getVersion('penguins', 2)!.stage, 'None');
      assert.equal(registry.history('penguins').filter((t) => t.to === 'Archived').length, 0);
    });

    it('refuses a move to the stage the version is in, and unknown stages', async () => {
      register('penguins', { val_acc: 0.9 });
      await expectRegistryError(
        () => registry.promote({ name: 'penguins', version: 1, to: 'None' }),
        'INVALID',
        /already in None/,
      );
      await expectRegistryError(
        () => registry.promote({ name: 'penguins', version: 1, to: 'prod' }),
        'INVALID',
        /unknown stage "prod"/,
      );
      await expectRegistryError(
        () => registry.promote({ name: 'penguins', version: 7, to: 'Staging' }),
        'NOT_FOUND',
        /no version 7/,
      );
      await expectRegistryError(
        () => registry.promote({ name: 'nope', version: 1, to: 'Staging' }),
        'NOT_FOUND',
        /no registered model named "nope"/,
      );
    });

    it('archiving and moving back to None need no gates', async () => {
      register('penguins', { val_acc: 0.1 });
      writeGates('penguins', { staging: { metrics: ['metrics.val_acc >= 0.9'] } });
      const archived = await registry.promote({ name: 'penguins', version: 1, to: 'archived' });
      assert.equal(archived.transition.gates, null);
      assert.equal(
        (await registry.promote({ name: 'penguins', version: 1, to: 'none' })).transition.to,
        'None',
      );
    });
  });

  describe('gates', () => {
    it('metric thresholds on the source run: pass and fail with the numbers', async () => {
      register('penguins', { val_acc: 0.93, val_loss: 0.2 });
      register('penguins', { val_acc: 0.85, val_loss: 0.2 });
      writeGates('penguins', {
        staging: { metrics: ['metrics.val_acc >= 0.9 and metrics.val_loss < 0.3'] },
      });
      const pass = await registry.previewPromotion('penguins', 1, 'Staging');
      assert.equal(pass.passed, true);
      assert.deepEqual(
        pass.gates.map((g) => [g.gate, g.passed, g.actual, g.expected]),
        [
          ['metrics.val_acc >= 0.9', true, 0.93, '>= 0.9'],
          ['metrics.val_loss < 0.3', true, 0.2, '< 0.3'],
        ],
      );
      const fail = await registry.previewPromotion('penguins', 2, 'Staging');
      assert.equal(fail.passed, false);
      assert.equal(fail.gates[0].actual, 0.85);
      assert.match(fail.gates[0].message, /metrics\.val_acc is 0\.85; needs >= 0\.9/);
      const error = await expectRegistryError(
        () => registry.promote({ name: 'penguins', version: 2, to: 'Staging' }),
        'GATES_FAILED',
        /Promotion of penguins v2 to Staging refused: 1 of 2 gates failed:\n {2}- metrics\.val_acc >= 0\.9: metrics\.val_acc is 0\.85; needs >= 0\.9/,
      );
      assert.equal(error.gates!.length, 2);
      assert.equal(registry.getVersion('penguins', 2)!.stage, 'None', 'nothing changed');
      const ok = await registry.promote({ name: 'penguins', version: 1, to: 'Staging' });
      assert.equal(ok.transition.gates!.length, 2);
      assert.equal(registry.history('penguins')[0].gates![0].actual, 0.93);
    });

    it('a missing metric fails, naming it; NaN never passes', async () => {
      register('penguins', { loss: 0.3 });
      register('penguins', { val_acc: NaN });
      writeGates('penguins', { production: { metrics: ['metrics.val_acc >= 0.9'] } });
      const missing = await registry.previewPromotion('penguins', 1, 'Production');
      assert.equal(missing.gates[0].passed, false);
      assert.match(missing.gates[0].message, /has no metric "val_acc"/);
      const nan = await registry.previewPromotion('penguins', 2, 'Production');
      assert.equal(nan.gates[0].passed, false);
      assert.match(nan.gates[0].message, /val_acc is NaN/);
    });

    it('params, tags and attributes conditions work too', async () => {
      register('penguins', { val_acc: 0.9 });
      writeGates('penguins', {
        staging: { metrics: ['params.units = "16" and attributes.status = "FINISHED"'] },
      });
      assert.equal((await registry.previewPromotion('penguins', 1, 'Staging')).passed, true);
      writeGates('penguins', { staging: { metrics: ['params.units = "32"'] } });
      const fail = await registry.previewPromotion('penguins', 1, 'Staging');
      assert.match(fail.gates[0].message, /params\.units is "16"; needs = "32"/);
    });

    describe('not worse than Production', () => {
      beforeEach(async () => {
        register('penguins', { val_acc: 0.9 }, 60);
        await registry.promote({ name: 'penguins', version: 1, to: 'Production' });
      });

      it("passes when the candidate is at least as good, evaluating both on the candidate's holdout", async () => {
        register('penguins', { val_acc: 0.9 }, 80);
        writeGates('penguins', {
          production: { notWorseThanProduction: { metric: 'accuracy', tolerance: 0 } },
        });
        fake = fakeEvaluate({ 1: { accuracy: 0.9 }, 2: { accuracy: 0.92 } });
        const preview = await registry.previewPromotion('penguins', 2, 'Production');
        assert.equal(preview.passed, true);
        assert.equal(preview.willArchive, 1);
        assert.deepEqual(
          fake.calls.map((c) => [c.version, c.holdoutRows]),
          [
            [2, 80],
            [1, 80],
          ],
        );
        assert.equal(
          preview.gates[0].gate,
          'not worse than Production v1 on the holdout (accuracy, tolerance 0)',
        );
        assert.equal(preview.gates[0].actual, 0.92);
      });

      it('fails when worse by more than the tolerance, naming both numbers', async () => {
        register('penguins', { val_acc: 0.9 }, 80);
        writeGates('penguins', {
          production: { notWorseThanProduction: { metric: 'accuracy', tolerance: 0.01 } },
        });
        fake = fakeEvaluate({ 1: { accuracy: 0.96 }, 2: { accuracy: 0.94 } });
        const error = await expectRegistryError(
          () => registry.promote({ name: 'penguins', version: 2, to: 'Production' }),
          'GATES_FAILED',
          /accuracy of v2 is 0\.94, worse than Production v1's 0\.96 by more than the tolerance 0\.01/,
        );
        assert.equal(error.gates![0].expected, '>= 0.95 (v1 0.96 - 0.01)');
        assert.equal(registry.getVersion('penguins', 1)!.stage, 'Production');
      });

      it('passes within the tolerance (exactly at the bound too)', async () => {
        register('penguins', { val_acc: 0.9 }, 80);
        writeGates('penguins', {
          production: { notWorseThanProduction: { metric: 'accuracy', tolerance: 0.01 } },
        });
        fake = fakeEvaluate({ 1: { accuracy: 0.96 }, 2: { accuracy: 0.95 } });
        assert.equal((await registry.previewPromotion('penguins', 2, 'Production')).passed, true);
      });

      it('lower is better for rmse and mae', async () => {
        register('penguins', { val_acc: 0.9 }, 80);
        writeGates('penguins', {
          production: { notWorseThanProduction: { metric: 'rmse', tolerance: 0.1 } },
        });
        fake = fakeEvaluate({ 1: { rmse: 1.0 }, 2: { rmse: 1.05 } });
        const ok = await registry.previewPromotion('penguins', 2, 'Production');
        assert.equal(ok.passed, true);
        assert.equal(ok.gates[0].expected, '<= 1.1 (v1 1 + 0.1)');
        fake = fakeEvaluate({ 1: { rmse: 1.0 }, 2: { rmse: 1.3 } });
        assert.equal((await registry.previewPromotion('penguins', 2, 'Production')).passed, false);
      });

      it('fails with a clear message when the candidate has no holdout', async () => {
        register('penguins', { val_acc: 0.99 });
        writeGates('penguins', {
          production: { notWorseThanProduction: { metric: 'accuracy', tolerance: 0 } },
        });
        const preview = await registry.previewPromotion('penguins', 2, 'Production');
        assert.equal(preview.passed, false);
        assert.match(
          preview.gates[0].message,
          /v2 has no holdout set to compare with Production v1 on/,
        );
        assert.equal(fake.calls.length, 0);
      });

      it('reports an evaluation that throws as a failed gate', async () => {
        register('penguins', { val_acc: 0.9 }, 80);
        writeGates('penguins', {
          production: { notWorseThanProduction: { metric: 'accuracy', tolerance: 0 } },
        });
        fake = fakeEvaluate({ 2: { accuracy: 0.9 } });
        const preview = await registry.previewPromotion('penguins', 2, 'Production');
        assert.equal(preview.passed, false);
        assert.match(
          preview.gates[0].message,
          /could not evaluate on the holdout: no fake result for v1/,
        );
      });
    });

    it('passes with no Production version to compare with', async () => {
      register('penguins', { val_acc: 0.9 });
      writeGates('penguins', {
        production: { notWorseThanProduction: { metric: 'accuracy', tolerance: 0 } },
      });
      const preview = await registry.previewPromotion('penguins', 1, 'Production');
      assert.equal(preview.passed, true);
      assert.equal(preview.gates[0].message, 'no Production version to compare with');
      assert.equal(preview.willArchive, null);
    });

    it('a refusal lists every failing gate', async () => {
      register('penguins', { val_acc: 0.9 }, 80);
      await registry.promote({ name: 'penguins', version: 1, to: 'Production' });
      register('penguins', { val_acc: 0.7, val_loss: 0.9 }, 80);
      writeGates('penguins', {
        production: {
          metrics: ['metrics.val_acc >= 0.8', 'metrics.val_loss <= 0.5'],
          notWorseThanProduction: { metric: 'accuracy', tolerance: 0 },
        },
      });
      fake = fakeEvaluate({ 1: { accuracy: 0.9 }, 2: { accuracy: 0.7 } });
      const error = await expectRegistryError(
        () => registry.promote({ name: 'penguins', version: 2, to: 'Production' }),
        'GATES_FAILED',
        /3 of 3 gates failed/,
      );
      assert.match(error.message, /metrics\.val_acc is 0\.7; needs >= 0\.8/);
      assert.match(error.message, /metrics\.val_loss is 0\.9; needs <= 0\.5/);
      assert.match(error.message, /accuracy of v2 is 0\.7, worse than Production v1's 0\.9/);
      assert.deepEqual(
        error.gates!.map((g) => g.passed),
        [false, false, false],
      );
    });

    it('--force needs a reason, and is recorded with the gate results', async () => {
      register('penguins', { val_acc: 0.7 });
      writeGates('penguins', { production: { metrics: ['metrics.val_acc >= 0.8'] } });
      await expectRegistryError(
        () => registry.promote({ name: 'penguins', version: 1, to: 'Production', force: true }),
        'INVALID',
        /needs a reason/,
      );
      await expectRegistryError(
        () =>
          registry.promote({
            name: 'penguins',
            version: 1,
            to: 'Production',
            force: true,
            reason: '  ',
          }),
        'INVALID',
        /needs a reason/,
      );
      const forced = await registry.promote({
        name: 'penguins',
        version: 1,
        to: 'Production',
        force: true,
        reason: 'hotfix, approved by Sam',
      });
      assert.equal(forced.transition.forced, true);
      const recorded = registry.history('penguins')[0];
      assert.equal(recorded.forced, true);
      assert.equal(recorded.reason, 'hotfix, approved by Sam');
      assert.deepEqual(
        recorded.gates!.map((g) => [g.gate, g.passed, g.actual]),
        [['metrics.val_acc >= 0.8', false, 0.7]],
      );
    });

    it('force on passing gates records no override', async () => {
      register('penguins', { val_acc: 0.9 });
      writeGates('penguins', { staging: { metrics: ['metrics.val_acc >= 0.8'] } });
      const result = await registry.promote({
        name: 'penguins',
        version: 1,
        to: 'Staging',
        force: true,
        reason: 'just in case',
      });
      assert.equal(result.transition.forced, false);
    });
  });

  describe('gates file', () => {
    it('lives next to the store under gates/, and reads back what was saved', () => {
      const config: GatesConfig = {
        production: {
          metrics: ['metrics.val_acc >= 0.9'],
          notWorseThanProduction: { metric: 'accuracy', tolerance: 0.01 },
        },
        staging: { metrics: [] },
      };
      writeGates('penguins', config);
      const path = gatesPath(store.location, 'penguins');
      assert.equal(path, join(dir, '.labbook', 'gates', 'penguins.json'));
      assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), {
        staging: { metrics: [] },
        production: config.production,
      });
      assert.deepEqual(readGates(store.location, 'penguins'), {
        staging: { metrics: [] },
        production: config.production,
      });
      assert.equal(readGates(store.location, 'other'), null);
    });

    it('never lets a model name escape the gates folder', () => {
      const folder = join(dir, '.labbook', 'gates');
      for (const name of [
        '../evil',
        '..',
        '.',
        'a/b',
        'a\\b',
        '../../etc/passwd',
        '.hidden',
        'C:evil',
        'name.',
        ' x',
        'ok name.v2',
        'ümlaut',
        '%2F',
      ]) {
        const path = gatesPath(store.location, name);
        assert.equal(dirname(path), folder, `${name} -> ${path}`);
        assert.ok(path.endsWith('.json'));
      }
      assert.equal(gatesFileName('penguins v1.2'), 'penguins v1.2.json');
      assert.equal(gatesFileName('..'), '%2E%2E.json');
      assert.equal(gatesFileName('a/b'), 'a%2Fb.json');
      assert.notEqual(
        gatesFileName('a/b'),
        gatesFileName('a%2Fb'),
        'the escape character is escaped too',
      );
      saveGates(store.location, '../evil', { staging: { metrics: ['metrics.a > 1'] } });
      assert.ok(!existsSync(join(dir, 'evil.json')));
      assert.deepEqual(readGates(store.location, '../evil'), {
        staging: { metrics: ['metrics.a > 1'] },
      });
    });

    it('validates the JSON, naming the field', async () => {
      const cases: [unknown, RegExp][] = [
        [[], /must be an object/],
        [{ prod: {} }, /prod is not a stage with gates/],
        [{ Production: {} }, /Production is not a stage with gates \(write "production"\)/],
        [{ production: { metrics: 'metrics.a > 1' } }, /production\.metrics must be an array/],
        [
          { production: { metrics: ['metrics.a >'] } },
          /production\.metrics\[0\] does not parse: Expected a value/,
        ],
        [
          { staging: { metrics: ['metrics.a > 1', 7] } },
          /staging\.metrics\[1\] must be a non-empty condition/,
        ],
        [
          { production: { notWorseThanProduction: { metric: 'auc', tolerance: 0 } } },
          /production\.notWorseThanProduction\.metric must be one of accuracy, f1_macro, rmse, mae/,
        ],
        [
          { production: { notWorseThanProduction: { metric: 'accuracy', tolerance: -1 } } },
          /production\.notWorseThanProduction\.tolerance must be a number >= 0/,
        ],
        [
          { production: { notWorseThanProduction: { metric: 'accuracy', tol: 1 } } },
          /production\.notWorseThanProduction\.tol is not known/,
        ],
        [{ production: { thresholds: [] } }, /production\.thresholds is not a known gate/],
      ];
      for (const [value, pattern] of cases)
        await expectRegistryError(() => validateGatesConfig(value), 'INVALID', pattern);
      assert.deepEqual(
        validateGatesConfig({ production: { notWorseThanProduction: { metric: 'f1_macro' } } }),
        { production: { notWorseThanProduction: { metric: 'f1_macro', tolerance: 0 } } },
      );
    });

    it('reports a broken file with its path when gates are judged', async () => {
      register('penguins', { val_acc: 0.9 });
      const path = gatesPath(store.location, 'penguins');
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, '{ "production": ');
      await expectRegistryError(
        () => registry.promote({ name: 'penguins', version: 1, to: 'Production' }),
        'INVALID',
        /gates file .*penguins\.json is not valid JSON/,
      );
      writeFileSync(path, '{ "production": { "metrics": ["metrics.x >> 1"] } }');
      await expectRegistryError(
        () => registry.previewPromotion('penguins', 1, 'Production'),
        'INVALID',
        /penguins\.json: production\.metrics\[0\] does not parse/,
      );
    });
  });

  describe('aliases', () => {
    beforeEach(() => {
      register('penguins', { val_acc: 0.9 });
      register('penguins', { val_acc: 0.95 });
    });

    it('sets, moves (recording each change) and removes an alias', () => {
      const set = registry.setAlias('penguins', 1, 'champion', { by: 'alice' })!;
      assert.deepEqual(
        [set.kind, set.alias, set.version, set.reason],
        ['alias-set', 'champion', 1, null],
      );
      assert.equal(
        registry.setAlias('penguins', 1, 'champion'),
        null,
        'no change, nothing recorded',
      );
      const moved = registry.setAlias('penguins', 2, 'champion')!;
      assert.equal(moved.reason, 'moved from v1');
      registry.setAlias('penguins', 1, 'challenger');
      assert.deepEqual(registry.getModel('penguins')!.aliases, { challenger: 1, champion: 2 });
      assert.deepEqual(registry.getVersion('penguins', 2)!.aliases, ['champion']);
      assert.equal(resolveModelRef(registry, 'penguins@champion').version, 2);
      const removed = registry.removeAlias('penguins', 'champion', { reason: 'retired' });
      assert.deepEqual(
        [removed.kind, removed.version, removed.reason],
        ['alias-removed', 2, 'retired'],
      );
      assert.deepEqual(registry.getModel('penguins')!.aliases, { challenger: 1 });
      assert.deepEqual(
        registry
          .history('penguins')
          .slice(0, 4)
          .map((t) => [t.kind, t.alias, t.version]),
        [
          ['alias-removed', 'champion', 2],
          ['alias-set', 'challenger', 1],
          ['alias-set', 'champion', 2],
          ['alias-set', 'champion', 1],
        ],
      );
    });

    it('refuses invalid, reserved and unknown aliases', async () => {
      for (const bad of ['', '3', '3x', 'has space', 'a.b', 'x'.repeat(65), '-x']) {
        await expectRegistryError(
          () => registry.setAlias('penguins', 1, bad),
          'INVALID',
          /is not valid/,
        );
      }
      for (const reserved of ['production', 'Staging', 'none', 'ARCHIVED', 'latest']) {
        await expectRegistryError(
          () => registry.setAlias('penguins', 1, reserved),
          'INVALID',
          /is reserved/,
        );
      }
      await expectRegistryError(
        () => registry.setAlias('penguins', 9, 'champion'),
        'NOT_FOUND',
        /no version 9/,
      );
      await expectRegistryError(
        () => registry.removeAlias('penguins', 'champion'),
        'NOT_FOUND',
        /no alias "champion"/,
      );
      registry.setAlias('penguins', 1, 'champion');
      await expectRegistryError(
        () => registry.removeAlias('penguins', 'champion', { version: 2 }),
        'CONFLICT',
        /points at v1, not v2/,
      );
    });
  });

  describe('model card', () => {
    it('has the sections, per-slice metrics, and a caveat naming a slice much worse than overall', async () => {
      const v = register('penguins', { val_acc: 0.9, loss: 0.25 }, 40);
      registry.updateCard('penguins', 1, {
        intendedUse: 'Teaching: species from bill and flipper sizes.',
        limitations: 'Three islands only.',
        description: 'dense | 16 units\nsecond line',
      });
      await registry.promote({ name: 'penguins', version: 1, to: 'Production' });
      fake = fakeEvaluate(
        { 1: { accuracy: 0.9, f1_macro: 0.88 } },
        {
          column: 'island',
          groups: [
            { value: 'Biscoe', rows: 20, metrics: { accuracy: 0.98, f1_macro: 0.97 } },
            { value: 'Dream', rows: 20, metrics: { accuracy: 0.8, f1_macro: 0.75 } },
          ],
        },
      );
      const card = await buildModelCard(store, registry, 'penguins', 1, {
        sliceColumn: 'island',
        evaluate: fake.evaluate,
      });
      assert.equal(fake.calls[0].sliceColumn, 'island');
      assert.equal(fake.calls[0].holdoutRows, 40);
      assert.equal(card.details.runId, v.runId);
      assert.equal(card.details.experiment, 'penguins');
      assert.deepEqual(card.trainingData.params, { lr: '0.01', units: '16' });
      assert.equal(card.metrics.run.val_acc, 0.9);
      assert.ok(
        card.caveats.some((c) =>
          /Accuracy on island = "Dream" \(20 rows\) is 0\.8, 0\.1 below the overall 0\.9/.test(c),
        ),
        card.caveats.join('\n'),
      );
      assert.ok(!card.caveats.some((c) => c.includes('Biscoe')));
      assert.ok(card.caveats.some((c) => /only 40 rows/.test(c)));
      assert.ok(card.caveats.some((c) => /in Production/.test(c)));
      const md = modelCardMarkdown(card);
      for (const section of [
        '# Model card: penguins v1',
        '## Model details',
        '## Intended use',
        '## Limitations',
        '## Training data',
        '## Metrics',
        '### Holdout set (40 rows)',
        '### By island',
        '## Caveats',
      ]) {
        assert.ok(md.includes(section), `missing ${section}\n${md}`);
      }
      assert.match(md, /\| island \| rows \| accuracy \| f1_macro \|/);
      assert.match(md, /\| Dream \| 20 \| 0\.8 \| 0\.75 \|/);
      assert.match(
        md,
        /\| Description \| dense \\\| 16 units<br>second line \|/,
        'pipes and newlines escaped in cells',
      );
      assert.match(md, /Teaching: species from bill and flipper sizes\./);
      assert.match(md, /- Accuracy on island = "Dream"/);
    });

    it('says when there is no holdout, and refuses a slice column the holdout lacks', async () => {
      register('penguins', { val_acc: 0.9 });
      register('penguins', { val_acc: 0.9 }, 60);
      const card = await buildModelCard(store, registry, 'penguins', 1, {
        evaluate: fake.evaluate,
      });
      assert.equal(card.metrics.holdout, null);
      assert.ok(card.caveats.some((c) => /No holdout set was stored/.test(c)));
      assert.match(modelCardMarkdown(card), /_No holdout evaluation\._/);
      await expectRegistryError(
        () =>
          buildModelCard(store, registry, 'penguins', 1, {
            sliceColumn: 'island',
            evaluate: fake.evaluate,
          }),
        'INVALID',
        /no holdout set to slice/,
      );
      await expectRegistryError(
        () =>
          buildModelCard(store, registry, 'penguins', 2, {
            sliceColumn: 'sex',
            evaluate: fake.evaluate,
          }),
        'INVALID',
        /no column "sex" \(columns: bill, island, species\)/,
      );
    });
  });

  describe('migration', () => {
    it('upgrades a schema 1 store, keeping its runs, and the registry works on it', () => {
      const path = join(dir, 'v1', 'labbook.db');
      mkdirSync(dirname(path), { recursive: true });
      const raw = new Database(path);
      raw.exec(MIGRATIONS[0].sql);
      raw.pragma('user_version = 1');
      raw.prepare("INSERT INTO experiments (id, name, created_at) VALUES (1, 'old', 0)").run();
      raw
        .prepare(
          "INSERT INTO runs (id, experiment_id, name, status, start_time) VALUES ('r1', 1, 'old run', 'finished', 0)",
        )
        .run();
      raw.close();
      const upgraded = Store.open({ path });
      try {
        assert.ok(SCHEMA_VERSION >= 2);
        assert.equal(upgraded.schemaVersion, SCHEMA_VERSION);
        assert.equal(upgraded.getRun('r1')?.name, 'old run');
        upgraded.logArtifact('r1', 'model/model.json', '{}');
        const reg = new Registry(upgraded, { who: () => 'x' });
        assert.equal(
          reg.registerVersion({ name: 'old', runId: 'r1', artifactPath: 'model/' }).version,
          1,
        );
      } finally {
        upgraded.close();
      }
      const check = new Database(path, { readonly: true });
      try {
        const tables = (
          check
            .prepare(
              "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'model%' OR name = 'registered_models' ORDER BY name",
            )
            .all() as { name: string }[]
        ).map((t) => t.name);
        assert.deepEqual(tables, [
          'model_aliases',
          'model_transitions',
          'model_versions',
          'registered_models',
        ]);
      } finally {
        check.close();
      }
    });

    it('allows one Production version per model in the schema itself', () => {
      register('penguins', { val_acc: 0.9 });
      register('penguins', { val_acc: 0.9 });
      store.sql.run("UPDATE model_versions SET stage = 'Production' WHERE version = 1");
      assert.throws(
        () => store.sql.run("UPDATE model_versions SET stage = 'Production' WHERE version = 2"),
        /UNIQUE/,
      );
    });
  });
});

describe('model registry in the workspace service', function () {
  this.timeout(30_000);
  let dir: string;
  let storePath: string;
  let service: ServiceClient;
  let runIds: string[];

  before(async () => {
    dir = makeTempDir('labbook-registry-service-');
    storePath = join(dir, '.labbook', 'labbook.db');
    service = await ServiceClient.start({
      storePath,
      cwd: dir,
      serviceMain: join(__dirname, '..', '..', 'core', 'service', 'main.js'),
    });
    assert.deepEqual(await service.listModels(), []);
    const store = Store.open({ path: storePath });
    try {
      const registry = new Registry(store, { who: () => 'seeder' });
      runIds = [0.93, 0.8].map((acc) => {
        const run = store.createRun({ experiment: 'penguins', name: `acc ${acc}` });
        store.insertMetricPoints([
          { runId: run.id, key: 'val_acc', step: 0, timestamp: Date.now(), value: acc },
        ]);
        store.logArtifact(run.id, 'model/model.json', '{}');
        store.endRun(run.id, 'finished');
        return run.id;
      });
      registry.registerVersion({ name: 'penguins', runId: runIds[0], artifactPath: 'model/' });
    } finally {
      store.close();
    }
  });
  after(async () => {
    await service?.shutdown();
    removeDir(dir);
  });

  it('lists models and describes one: versions with run name, metrics and inUse; history; gates path', async () => {
    const [model] = await service.listModels();
    assert.deepEqual([model.name, model.latestVersion, model.production], ['penguins', 1, null]);
    const details = (await service.model('penguins'))!;
    assert.equal(details.versions[0].runName, 'acc 0.93');
    assert.equal(details.versions[0].experiment, 'penguins');
    assert.deepEqual(details.versions[0].metrics, { val_acc: 0.93 });
    assert.equal(details.versions[0].inUse, false);
    assert.deepEqual(
      details.history.map((t) => t.kind),
      ['registered'],
    );
    assert.equal(details.gates, null);
    assert.equal(details.gatesPath, join(dir, '.labbook', 'gates', 'penguins.json'));
    assert.equal(await service.model('nope'), null);
  });

  it('registers from a run, saves gates (validated), and refuses a promotion with the gate results as error data', async () => {
    const v2 = await service.registerModelFromRun({
      runId: runIds[1],
      artifactPath: 'model',
      name: 'penguins',
      description: 'smaller',
    });
    assert.equal(v2.version, 2);
    await assert.rejects(
      service.saveGates('penguins', {
        production: { metrics: ['metrics.val_acc >>'] },
      }),
      /production\.metrics\[0\] does not parse/,
    );
    await service.saveGates('penguins', { production: { metrics: ['metrics.val_acc >= 0.9'] } });
    assert.deepEqual((await service.model('penguins'))!.gates, {
      production: { metrics: ['metrics.val_acc >= 0.9'] },
    });
    const preview = await service.previewPromotion('penguins', 2, 'Production');
    assert.equal(preview.passed, false);
    let caught: { message?: string; data?: unknown } | undefined;
    try {
      await service.promote({ name: 'penguins', version: 2, to: 'Production' });
    } catch (error) {
      caught = error as typeof caught;
    }
    assert.match(caught?.message ?? '', /refused: 1 of 1 gate failed/);
    const gates = caught?.data as GateResult[];
    assert.deepEqual(
      gates.map((g) => [g.gate, g.passed, g.actual]),
      [['metrics.val_acc >= 0.9', false, 0.8]],
    );
    await assert.rejects(
      service.promote({ name: 'penguins', version: 2, to: 'Production', force: true }),
      /needs a reason/,
    );
    await assert.rejects(
      service.promote({ name: 'penguins', version: 'x' as unknown as number, to: 'Production' }),
      /version must be a whole number/,
    );
    await assert.rejects(
      service.promote({ name: 'penguins', version: 2, to: 'Live' as Stage }),
      /to must be one of None, Staging, Production, Archived/,
    );
  });

  it('promotes, sets aliases and edits the card, notifying the views', async () => {
    const changed = new Promise<void>((resolve) => service.once('storeChanged', () => resolve()));
    const result = await service.promote({
      name: 'penguins',
      version: 1,
      to: 'Production',
      reason: 'ship it',
    });
    await changed;
    assert.equal(result.transition.to, 'Production');
    await service.setModelAlias('penguins', 2, 'challenger');
    await assert.rejects(service.setModelAlias('penguins', 2, 'staging'), /reserved/);
    await service.updateModelCard({ name: 'penguins', version: 1, intendedUse: 'Teaching.' });
    const { card, markdown } = await service.modelCard('penguins', 1);
    assert.equal(card.intendedUse, 'Teaching.');
    assert.match(markdown, /## Intended use\n\nTeaching\./);
    await service.removeModelAlias('penguins', 'challenger');
    const details = (await service.model('penguins'))!;
    assert.deepEqual(details.model.aliases, {});
    assert.deepEqual(
      details.history.slice(0, 3).map((t) => t.kind),
      ['alias-removed', 'alias-set', 'stage'],
    );
  });
});
