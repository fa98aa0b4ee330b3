/**
 * Deploy and monitor inside a real VS Code, from the command palette alone (each command
 * run with an options object, as the palette's pickers would fill it): deploy the
 * Production version of a penguins classifier, start a canary of a newer (barely trained)
 * version, open the Deployment Monitor, send real requests and feedback over loopback with
 * the token the extension keeps in secret storage, watch both variants' traffic and the
 * candidate's live accuracy arrive, roll back, and stop the server (no process left).
 *
 * Self-sufficient: a node child process trains and registers two penguins versions into
 * the workspace store (test/unit/serve-fixture.ts), so no other suite has to run first.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { takeScreenshot } from '../runner/index';
import { activeLabbook, workspaceStore } from '../runner/labbook';
import { eventually, sleep } from '../runner/wait';
import type { LabbookApi } from '../../../extension/api';
import type { DeploymentsTreeNode as Node } from '../../../extension/deployments/deploymentsTree';

const REPO = path.join(__dirname, '..', '..', '..', '..');
const MODEL = 'penguins';
const NAME = 'penguins';

interface Split {
  strategy: string;
  primary: number;
  candidate: number | null;
  weight: number;
}
interface Item {
  deployment: { id: number; name: string; pid: number | null; port: number; status: string };
  split: Split;
  url: string;
}
interface Row {
  [feature: string]: number | string;
}

function pidAlive(pid: number | null): boolean {
  if (pid === null) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('deploy and monitor', function () {
  this.timeout(240_000);
  let api: LabbookApi;
  let good: number;
  let bad: number;
  let rows: Row[];
  const pids = new Set<number>();

  before(async () => {
    api = await activeLabbook();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    // Two new versions of `penguins` in the workspace store: one trained well, one barely.
    const folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
    const script = [
      `const f = require(${JSON.stringify(path.join(REPO, 'dist', 'test', 'unit', 'serve-fixture.js'))});`,
      `f.servedPenguins(${JSON.stringify(folder)}, { logTrainingData: true, location: ${JSON.stringify(workspaceStore(folder))} }).then((fx) => {`,
      `  const all = fx.store.sql.all("SELECT version FROM model_versions WHERE name = 'penguins' ORDER BY version DESC LIMIT 2");`,
      // Every penguin the model was trained on, shuffled with a fixed seed: live inputs like the
      // training data, so no data drift. (The file alternates sexes and is sorted by species:
      // every other row would be a heavier, drifted sample.)
      `  let seed = 42; const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;`,
      `  const rows = fx.rows.map((r) => [rand(), r]).sort((a, b) => a[0] - b[0]).map(([, r]) => r);`,
      `  fx.close();`,
      `  process.stdout.write('\\n' + JSON.stringify({ good: all[1].version, bad: all[0].version, rows }) + '\\n');`,
      `}, (e) => { console.error(e); process.exit(1); });`,
    ].join('\n');
    const r = spawnSync('node', ['-e', script], {
      encoding: 'utf8',
      cwd: REPO,
      maxBuffer: 64 * 1024 * 1024,
      timeout: 180_000,
    });
    assert.equal(r.status, 0, `registering the penguins versions failed: ${r.stderr}`);
    ({ good, bad, rows } = JSON.parse(r.stdout.trim().split('\n').pop()!) as {
      good: number;
      bad: number;
      rows: Row[];
    });
    // Production from the palette: the well-trained version.
    await vscode.commands.executeCommand('labbook.promoteModelVersion', {
      name: MODEL,
      version: good,
      to: 'Production',
      reason: 'deploy suite: the well-trained version',
      confirm: false,
    });
  });

  after(async () => {
    const service = api?.runs.service();
    const running = ((await service?.listDeployments().catch(() => [])) ?? []).filter(
      (i) => i.deployment.name === NAME,
    );
    for (const item of running) if (item.deployment.pid !== null) pids.add(item.deployment.pid);
    if (running.length)
      await vscode.commands.executeCommand('labbook.stopDeployment', {
        name: NAME,
        confirm: false,
        reason: 'deploy suite done',
      });
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    for (const pid of pids)
      await eventually(`server process ${pid} to end`, () => !pidAlive(pid), 15_000);
  });

  it('deploys the Production version from the palette and keeps its token in secret storage', async () => {
    const item = await vscode.commands.executeCommand<Item>('labbook.deployModel', {
      ref: `${MODEL}@production`,
      name: NAME,
      port: 0,
      replace: true,
      confirm: false,
    });
    assert.ok(item, 'the command resolves with the deployment');
    pids.add(item.deployment.pid!);
    assert.equal(item.deployment.status, 'running');
    assert.deepEqual(item.split, { strategy: 'single', primary: good, candidate: null, weight: 0 });
    assert.ok(item.deployment.port > 0);
    const token = await api.deployments.storedToken(NAME);
    assert.equal(token, await api.runs.service()!.deploymentToken(NAME));
    const copied = await vscode.commands.executeCommand<{ secret: string }>(
      'labbook.copyDeploymentToken',
      { name: NAME, confirm: false },
    );
    assert.equal(copied.secret, `labbook.deployment.${NAME}`);
    const node = await eventually('the deployment in the tree', async () =>
      (await api.deployments.getChildren()).find(
        (n): n is Extract<Node, { kind: 'deployment' }> =>
          n.kind === 'deployment' &&
          (n as { item: Item }).item.deployment.id === item.deployment.id,
      ),
    );
    assert.match(
      String(api.deployments.getTreeItem(node).description),
      new RegExp(`^running · v${good} · :${item.deployment.port}$`),
    );
  });

  it('starts a canary of the newer version, sends requests and feedback, and the monitor shows both variants', async () => {
    const first = (await api.runs.service()!.listDeployments()).find(
      (i) => i.deployment.name === NAME,
    )!;
    const tokenBefore = await api.deployments.storedToken(NAME);
    const item = await vscode.commands.executeCommand<Item>('labbook.startCanary', {
      name: NAME,
      candidate: String(bad),
      weight: 30,
      confirm: false,
    });
    assert.deepEqual(item.split, { strategy: 'canary', primary: good, candidate: bad, weight: 30 });
    // The candidate joined the running server: nothing restarted.
    assert.equal(item.deployment.pid, first.deployment.pid, 'the same server process');
    assert.equal(item.deployment.id, first.deployment.id, 'the same deployment');
    assert.equal(item.url, first.url);

    await vscode.commands.executeCommand('labbook.openDeploymentMonitor', { name: NAME });
    await eventually('the monitor tab', () =>
      vscode.window.tabGroups.all
        .flatMap((g) => g.tabs)
        .some((t) => t.label === `Monitor: ${NAME}`),
    );

    // The same server keeps its token.
    const token = (await api.deployments.storedToken(NAME))!;
    assert.equal(token, tokenBefore);
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const answered: Record<string, number> = {};
    // Three rounds 10 s apart, so the charts have more than one bucket per variant.
    for (let i = 0; i < rows.length; i++) {
      if (i > 0 && i % Math.ceil(rows.length / 3) === 0) await sleep(10_500);
      const { Species, ...features } = rows[i];
      const response = await fetch(`${item.url}:predict`, {
        method: 'POST',
        headers: { ...headers, 'x-labbook-key': `client-${i}` },
        body: JSON.stringify({ instances: [features] }),
      });
      assert.equal(response.status, 200, await response.clone().text());
      const body = (await response.json()) as { ids: string[]; variant: string };
      answered[body.variant] = (answered[body.variant] ?? 0) + 1;
      const feedback = await fetch(`${item.url}:feedback`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ id: body.ids[0], label: Species }),
      });
      assert.equal(feedback.status, 200, await feedback.clone().text());
    }
    assert.ok(answered.primary > 0 && answered.candidate > 0, JSON.stringify(answered));

    const snapshot = await eventually(
      'both variants in the monitor',
      () => {
        const s = api.deployments.openMonitors().find((m) => m.name === NAME)?.snapshot;
        return s &&
          s.deployment.id === item.deployment.id &&
          s.variants.length === 2 &&
          s.variants.every((v) => v.predictions > 0 && v.labelled > 0) &&
          // The server writes its log in batches: wait for every request and label.
          s.variants.reduce((n, v) => n + v.predictions, 0) === rows.length &&
          s.variants.reduce((n, v) => n + v.labelled, 0) === rows.length
          ? s
          : undefined;
      },
      60_000,
    );
    const byVariant = Object.fromEntries(snapshot.variants.map((v) => [v.variant, v]));
    assert.equal(byVariant.primary.predictions + byVariant.candidate.predictions, rows.length);
    assert.ok(
      byVariant.primary.accuracy! > 0.85,
      `the well-trained version is accurate: ${byVariant.primary.accuracy}`,
    );
    if (snapshot.status === 'degraded') {
      // The barely trained candidate: one warning, and the tree marks the deployment.
      const node = (await api.deployments.getChildren()).find((n) => n.kind === 'deployment')!;
      assert.match(String(api.deployments.getTreeItem(node).description), /^degraded · canary/);
      await sleep(3500);
      assert.equal(
        api.deployments.openMonitors().find((m) => m.name === NAME)!.warnings,
        1,
        'one notification, not one per poll',
      );
    }
    await vscode.commands.executeCommand('labbook.deployments.focus');
    await takeScreenshot('deploy-monitor-canary', 60_000, {
      waitFor: 'main.strategy-canary .chart-requests svg.marks',
    });
    await vscode.commands.executeCommand('notifications.clearAll');
    await takeScreenshot('deploy-monitor-canary-charts', 60_000, {
      waitFor: 'main.strategy-canary .chart-errors svg.marks',
      scrollTo: '.variants-section',
    });
  });

  it('rolls back from the palette: the candidate leaves, the tree and the monitor follow', async () => {
    const report = await vscode.commands.executeCommand<{ split: Split }>(
      'labbook.rollbackDeployment',
      { name: NAME, reason: 'candidate is worse', confirm: false },
    );
    assert.deepEqual(report.split, {
      strategy: 'single',
      primary: good,
      candidate: null,
      weight: 0,
    });
    await eventually(
      'the monitor after the rollback',
      () =>
        api.deployments.openMonitors().find((m) => m.name === NAME)?.snapshot?.split.candidate ===
        null,
      30_000,
    );
    const node = await eventually('the tree after the rollback', async () => {
      const n = (await api.deployments.getChildren()).find(
        (x): x is Extract<Node, { kind: 'deployment' }> =>
          x.kind === 'deployment' && (x as { item: Item }).item.deployment.name === NAME,
      );
      return n && (n as { item: Item }).item.split.candidate === null ? n : undefined;
    });
    assert.match(String(api.deployments.getTreeItem(node).description), new RegExp(`v${good} · :`));
    const children = await api.deployments.getChildren(node);
    assert.deepEqual(children.filter((c) => c.kind === 'variant').length, 1);
    const events = await api.deployments.getChildren(children.find((c) => c.kind === 'events'));
    assert.equal(
      (events[0] as { event: { kind: string } }).event.kind,
      'rollback',
      'the newest event first',
    );
    await vscode.commands.executeCommand('notifications.clearAll');
    await vscode.commands.executeCommand('labbook.deployments.focus');
    await takeScreenshot('deploy-rolled-back', 60_000, {
      waitFor: 'main.strategy-single .chart-requests svg.marks',
      scrollTo: 'header',
    });
  });
});
