#!/usr/bin/env node
// Runs the same integration suites in desktop VS Code through @vscode/test-electron.
// It downloads VS Code into .vscode-test/ on first use, so it needs access to VS Code's
// download servers; where there is none, use launch-code-server.mjs (same suites, same
// report). On Linux without a display, run it under `xvfb-run -a`.
//
//   node test/integration/launch-electron.mjs [--extension DIR] [--workspace DIR]
//     [--suites DIR] [--vscode-version stable|1.100.3|insiders]
//     [--vscode-executable PATH] [--report FILE] [--keep]
//
// LABBOOK_VSCODE_EXECUTABLE does what --vscode-executable does (no download at all).
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  DEFAULT_SETTINGS,
  printSummary,
  formatTest,
  repoRoot,
  printUsage,
} from './launch-code-server.mjs';

const log = (msg) => console.log(`[electron-tests] ${msg}`);

// Errors that mean "this machine cannot reach the server": retrying them (the library
// tries 3 more times) only delays the message.
const OFFLINE_CODES = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNREFUSED',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ECONNRESET',
  'ETIMEDOUT',
  'CERT_HAS_EXPIRED',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
]);
function isOffline(err) {
  for (let e = err; e; e = e.cause) {
    if (OFFLINE_CODES.has(e.code) || e.name === 'TimeoutError') return true;
  }
  return false;
}

function hasSuiteFiles(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory() ? hasSuiteFiles(join(dir, e.name)) : e.name.endsWith('.test.js'))
      return true;
  }
  return false;
}

function fail(title, message) {
  printSummary(null, { extraFailures: [{ title, message }] });
  return 1;
}

async function main() {
  const { values } = parseArgs({
    options: {
      extension: { type: 'string' },
      workspace: { type: 'string' },
      suites: { type: 'string' },
      'vscode-version': { type: 'string' },
      'vscode-executable': { type: 'string' },
      report: { type: 'string' },
      keep: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    printUsage(import.meta.url);
    return 0;
  }
  const abs = (p) => (p === undefined ? undefined : isAbsolute(p) ? p : resolve(process.cwd(), p));
  const extensionDir = abs(values.extension) ?? repoRoot;
  const workspace = abs(values.workspace) ?? join(repoRoot, 'examples');
  const suitesDir = abs(values.suites) ?? join(repoRoot, 'dist', 'test', 'integration', 'suites');
  const version = values['vscode-version'] ?? process.env.LABBOOK_VSCODE_VERSION ?? 'stable';
  // The entry is compiled from runner/electron-entry.ts next to this launcher's repo,
  // whichever extension is under test.
  const entry = join(repoRoot, 'dist', 'test', 'integration', 'runner', 'electron-entry.js');

  if (!existsSync(suitesDir))
    return fail('suites', `suites folder ${suitesDir} does not exist: build first (npm run build)`);
  if (!hasSuiteFiles(suitesDir)) return fail('suites', `no *.test.js files under ${suitesDir}`);
  if (!existsSync(entry)) return fail('runner', `${entry} is missing: build first (npm run build)`);
  if (!existsSync(join(extensionDir, 'package.json')))
    return fail('extension', `no package.json in ${extensionDir}`);

  let testElectron;
  try {
    // Resolved from the repo so the launcher works from any working directory.
    testElectron = createRequire(join(repoRoot, 'package.json'))('@vscode/test-electron');
  } catch (err) {
    return fail(
      'setup',
      `cannot load @vscode/test-electron (a devDependency: npm install): ${err.message}`,
    );
  }
  const { downloadAndUnzipVSCode, runTests, makeConsoleReporter } = testElectron;

  let executable = abs(values['vscode-executable'] ?? process.env.LABBOOK_VSCODE_EXECUTABLE);
  if (executable && !existsSync(executable))
    return fail('setup', `VS Code executable ${executable} does not exist`);
  if (!executable) {
    const started = Date.now();
    const consoleReporter = await makeConsoleReporter();
    const reporter = {
      report(r) {
        // Thrown from inside the library's retry loop, this ends the download at once.
        if (r.stage === 'retrying' && isOffline(r.error)) throw r.error;
        consoleReporter.report(r);
      },
      error(e) {
        consoleReporter.error(e);
      },
    };
    try {
      log(`getting VS Code ${version} (cached in .vscode-test/)`);
      executable = await downloadAndUnzipVSCode({
        version,
        cachePath: join(repoRoot, '.vscode-test'),
        extensionDevelopmentPath: extensionDir,
        reporter,
        timeout: 15_000,
      });
    } catch (err) {
      const why = err?.code ? `${err.code}: ${err.message}` : (err?.message ?? String(err));
      return fail(
        'download',
        `could not download VS Code ${version} after ${((Date.now() - started) / 1000).toFixed(1)} s (${why}).\n` +
          (isOffline(err) ? "This machine cannot reach VS Code's download servers. " : '') +
          'Run the same suites in code-server instead: node test/integration/launch-code-server.mjs\n' +
          'or point LABBOOK_VSCODE_EXECUTABLE (--vscode-executable) at an installed VS Code.',
      );
    }
  }

  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    const xvfb = spawnSync('sh', ['-c', 'command -v xvfb-run'], { encoding: 'utf8' }).stdout.trim();
    log(
      `warning: no DISPLAY; desktop VS Code needs one. ${xvfb ? 'Run under `xvfb-run -a`.' : 'apt-get install xvfb, then run under `xvfb-run -a`.'}`,
    );
  }

  const runDir = mkdtempSync(join(tmpdir(), 'labbook-electron-'));
  const userDataDir = join(runDir, 'user-data');
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  writeFileSync(
    join(userDataDir, 'User', 'settings.json'),
    JSON.stringify(DEFAULT_SETTINGS, null, 2),
  );
  const reportFile = join(runDir, 'report.json');

  const extraFailures = [];
  let report = null;
  const started = Date.now();
  try {
    await runTests({
      vscodeExecutablePath: executable,
      extensionDevelopmentPath: extensionDir,
      extensionTestsPath: entry,
      launchArgs: [
        workspace,
        // Only the extension under development: a machine's own extensions would change
        // what the suites see.
        '--disable-extensions',
        `--user-data-dir=${userDataDir}`,
        `--extensions-dir=${join(runDir, 'extensions')}`,
      ],
      extensionTestsEnv: {
        LABBOOK_TEST_LAUNCHER: 'electron',
        LABBOOK_ELECTRON_SUITES: suitesDir,
        LABBOOK_TEST_REPORT: reportFile,
      },
    });
  } catch (err) {
    // A failing test also ends here (the entry throws); the report tells which.
    if (!existsSync(reportFile))
      extraFailures.push({ title: 'run', message: err?.message ?? String(err) });
  }
  if (existsSync(reportFile)) {
    report = JSON.parse(readFileSync(reportFile, 'utf8'));
    for (const t of report.tests) console.log(formatTest(t));
  } else if (!extraFailures.length) {
    extraFailures.push({ title: 'run', message: 'VS Code exited without writing the report' });
  }
  log(`VS Code run took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (values.report && report) {
    mkdirSync(dirname(abs(values.report)), { recursive: true });
    writeFileSync(abs(values.report), JSON.stringify(report, null, 2));
  }
  if (values.keep) log(`kept ${runDir}`);
  else rmSync(runDir, { recursive: true, force: true });
  const { passed, failed } = printSummary(report, { extraFailures });
  return failed === 0 && passed > 0 ? 0 : 1;
}

process.exitCode = 1;
main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(err?.stack ?? err);
    console.log('0 passed, 1 failed');
    process.exitCode = 1;
  },
);
