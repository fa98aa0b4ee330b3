#!/usr/bin/env node
// Runs the integration suites inside a real VS Code extension host without desktop
// VS Code: code-server (VS Code's server build, from npm) serves the workbench, and
// Debian's Chromium, driven by playwright-core, opens it so that the extension host
// starts. The extension sees LABBOOK_TEST_SUITES, runs mocha there (see
// runner/index.ts) and writes a JSON report, which this script waits for and prints.
//
//   node test/integration/launch-code-server.mjs [--extension DIR] [--workspace DIR]
//     [--suites DIR] [--timeout SECONDS] [--start-timeout SECONDS] [--screenshot NAME]
//     [--hook MODULE]... [--settings FILE] [--report FILE] [--keep] [--verbose]
//     [--no-install] [--port PORT] [--vsix FILE]
//
// --vsix FILE installs that package with `code-server --install-extension` into the empty
// extensions folder (instead of linking the checkout), runs dist/test/integration/suites-vsix
// by default, and opens a new empty folder in os.tmpdir() unless --workspace is given. The
// suites' runner and mocha then come from this checkout (LABBOOK_TEST_RUNNER): the package
// ships neither.
//
// --port (or LABBOOK_CODE_SERVER_PORT) fixes code-server's port, so that several people
// running the suites on one machine can each keep to their own; by default a free one.
//
// Also a library for browser tests: launchCodeServer() gives the open page and a
// screenshot() helper; runIntegration() is the whole run with hooks. See README.md.
import { spawn } from 'node:child_process';
import {
  appendFileSync,
  cpSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
  openSync,
  readSync,
  closeSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { TSSERVER_PLUGIN } from '../../scripts/build-extension.mjs';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const screenshotsDir = join(repoRoot, 'test-output', 'screenshots');
export const CHROMIUM = process.env.LABBOOK_CHROMIUM || '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

// Keeps the workbench quiet and deterministic: no trust prompt (Restricted Mode would
// disable the extension), no welcome page or walkthrough taking the editor area, no
// update or recommendation notifications covering screenshots.
export const DEFAULT_SETTINGS = {
  'security.workspace.trust.enabled': false,
  'security.workspace.trust.startupPrompt': 'never',
  'workbench.startupEditor': 'none',
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'update.showReleaseNotes': false,
  'telemetry.telemetryLevel': 'off',
  'files.hotExit': 'off',
  // Tests append cells to examples/penguins.ipynb; the web build would auto-save them.
  'files.autoSave': 'off',
  'git.openRepositoryInParentFolders': 'never',
  'chat.commandCenter.enabled': false,
};

/**
 * The linked checkout's node_modules is the developer's own, without the tsserver plugin
 * the .vsix ships in its node_modules (scripts/package.mjs). tsserver looks for a plugin
 * from the extension's folder upward, so the built plugin is linked into the extensions
 * folder's node_modules, one level above the linked extension.
 */
export function linkTsserverPlugin(extensionDir, extensionsDir) {
  const built = join(extensionDir, 'dist', 'tsserver-plugin', TSSERVER_PLUGIN);
  if (!existsSync(built)) return;
  mkdirSync(join(extensionsDir, 'node_modules'), { recursive: true });
  rmSync(join(extensionsDir, 'node_modules', TSSERVER_PLUGIN), { recursive: true, force: true });
  symlinkSync(built, join(extensionsDir, 'node_modules', TSSERVER_PLUGIN), 'dir');
}

/** `code-server --install-extension FILE`, as a user installs a .vsix; rejects with its output on failure. */
function installVsix(codeServerBin, vsix, { extensionsDir, userDataDir, log }) {
  if (!existsSync(vsix)) throw new Error(`no .vsix at ${vsix}: build it first (npm run package)`);
  log(`code-server --install-extension ${vsix}`);
  return new Promise((res, rej) => {
    const child = spawn(
      process.execPath,
      [
        codeServerBin,
        '--extensions-dir',
        extensionsDir,
        '--user-data-dir',
        userDataDir,
        '--install-extension',
        vsix,
      ],
      { env: codeServerEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', rej);
    child.on('exit', (code) =>
      code === 0
        ? res(output)
        : rej(new Error(`--install-extension exited with ${code}:\n${output}`)),
    );
  });
}

/** The command line of a code-server that serves one workspace on loopback, with no auth. */
export function codeServerArgs({ port, configFile, userDataDir, extensionsDir, workspace }) {
  return [
    '--auth',
    'none',
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--config',
    configFile,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--user-data-dir',
    userDataDir,
    '--extensions-dir',
    extensionsDir,
    workspace,
  ];
}

/** This process's environment minus what would bind code-server to a VS Code it was started from. */
export function codeServerEnv() {
  const env = { ...process.env };
  for (const k of Object.keys(env))
    if (k.startsWith('VSCODE_') || k === 'ELECTRON_RUN_AS_NODE') delete env[k];
  return env;
}

/** Prints a script's leading `//` comment block: its usage. */
export function printUsage(scriptUrl) {
  const lines = readFileSync(fileURLToPath(scriptUrl), 'utf8').split('\n').slice(1);
  console.log(
    lines
      .slice(
        0,
        lines.findIndex((l) => !l.startsWith('//')),
      )
      .join('\n'),
  );
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// For the losing side of a race: must not keep the process alive once the race is won.
const idle = (ms) => new Promise((r) => setTimeout(r, ms).unref());
const secs = (ms) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)} s` : '-');

function tailLines(text, n) {
  const lines = text.split('\n');
  return lines.slice(Math.max(0, lines.length - n - 1)).join('\n');
}

function findFiles(dir, pred, out = []) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const full = join(dir, e.name);
    if (e.isDirectory()) findFiles(full, pred, out);
    else if (pred(e.name)) out.push(full);
  }
  return out;
}

function freePort() {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => res(port));
    });
  });
}

function readExtensionManifest(extensionDir) {
  const file = join(extensionDir, 'package.json');
  if (!existsSync(file)) throw new Error(`no package.json in extension folder ${extensionDir}`);
  const pkg = JSON.parse(readFileSync(file, 'utf8'));
  for (const key of ['name', 'publisher', 'version']) {
    if (!pkg[key])
      throw new Error(`${file} has no "${key}"; VS Code needs it to load the extension`);
  }
  if (pkg.main) {
    const main = resolve(extensionDir, pkg.main);
    if (!existsSync(main) && !existsSync(`${main}.js`)) {
      throw new Error(
        `the extension's main ${pkg.main} does not exist in ${extensionDir}: build it first (npm run build)`,
      );
    }
  }
  return pkg;
}

/**
 * Starts code-server with the extension installed and opens the workbench in Chromium.
 * Resolves once the workbench is on screen; the suites then run on their own.
 */
export async function launchCodeServer(options = {}) {
  const log = options.log ?? ((msg) => console.log(`[code-server-tests] ${msg}`));
  const extensionDir = resolve(options.extensionDir ?? repoRoot);
  const workspace = resolve(options.workspace ?? join(repoRoot, 'examples'));
  const suitesDir = options.suitesDir ? resolve(options.suitesDir) : undefined;
  const shotsDir = resolve(options.screenshotsDir ?? screenshotsDir);
  const codeServerBin =
    options.codeServerBin ?? (await ensureCodeServer(options.install !== false, log));

  if (!existsSync(CHROMIUM))
    throw new Error(
      `no browser at ${CHROMIUM}: apt-get install chromium (or set LABBOOK_CHROMIUM)`,
    );
  const pkg = readExtensionManifest(extensionDir);
  if (!existsSync(workspace) || !statSync(workspace).isDirectory())
    throw new Error(`workspace folder does not exist: ${workspace}`);

  const runDir = mkdtempSync(join(tmpdir(), 'labbook-code-server-'));
  const userDataDir = join(runDir, 'user-data');
  const extensionsDir = join(runDir, 'extensions');
  const controlDir = join(runDir, 'control');
  const reportFile = resolve(options.reportFile ?? join(runDir, 'report.json'));
  const logFile = join(runDir, 'code-server.log');
  for (const d of [join(userDataDir, 'User'), extensionsDir, controlDir])
    mkdirSync(d, { recursive: true });
  // A report left by an earlier run at a caller-chosen path would be taken for this one's.
  rmSync(reportFile, { force: true });
  rmSync(`${reportFile}.events.jsonl`, { force: true });

  // --extensionDevelopmentPath is not a code-server flag; an installed-looking folder is.
  const extId = `${pkg.publisher}.${pkg.name}`;
  const installed = join(extensionsDir, `${extId}-${pkg.version}`);
  if (options.vsix) {
    const t0 = Date.now();
    await installVsix(codeServerBin, resolve(options.vsix), { extensionsDir, userDataDir, log });
    if (!existsSync(join(installed, 'package.json')))
      throw new Error(`installing ${options.vsix} did not create ${installed}`);
    log(`installed ${options.vsix} in ${secs(Date.now() - t0)}`);
  } else {
    linkTsserverPlugin(extensionDir, extensionsDir);
    try {
      symlinkSync(extensionDir, installed, 'dir');
    } catch {
      cpSync(extensionDir, installed, {
        recursive: true,
        filter: (src) =>
          !/[\\/](node_modules|\.git|\.vscode-test|test-output)([\\/]|$)/.test(
            src.slice(extensionDir.length),
          ),
      });
    }
  }
  writeFileSync(
    join(userDataDir, 'User', 'settings.json'),
    JSON.stringify({ ...DEFAULT_SETTINGS, ...(options.settings ?? {}) }, null, 2),
  );
  // code-server writes a default config (with a password) on start unless given one;
  // this keeps it out of ~/.config.
  const configFile = join(runDir, 'config.yaml');
  writeFileSync(configFile, 'auth: none\n');

  const port = options.port ?? (await freePort());
  const env = codeServerEnv();
  Object.assign(
    env,
    {
      LABBOOK_TEST_LAUNCHER: 'code-server',
      LABBOOK_TEST_REPORT: reportFile,
      LABBOOK_TEST_SCREENSHOTS: controlDir,
    },
    suitesDir ? { LABBOOK_TEST_SUITES: suitesDir } : {},
    options.vsix
      ? { LABBOOK_TEST_RUNNER: join(repoRoot, 'dist', 'test', 'integration', 'runner', 'index.js') }
      : {},
    options.env ?? {},
  );

  const args = codeServerArgs({ port, configFile, userDataDir, extensionsDir, workspace });
  const startedAt = Date.now();
  log(`starting code-server on 127.0.0.1:${port} (run folder ${runDir})`);
  // Own process group, so the server, its extension host and helpers die together.
  const child = spawn(process.execPath, [codeServerBin, ...args], {
    env,
    cwd: workspace,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logStream = createWriteStream(logFile);
  let exited = null;
  child.stdout.pipe(logStream, { end: false });
  child.stderr.pipe(logStream, { end: false });
  if (options.verbose) {
    child.stdout.pipe(process.stdout, { end: false });
    child.stderr.pipe(process.stderr, { end: false });
  }
  child.on('exit', (code, signal) => {
    exited = { code, signal };
  });
  const exitGuard = () => {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
    if (!options.keep) rmSync(runDir, { recursive: true, force: true });
  };
  process.on('exit', exitGuard);
  // A signal ends Node without 'exit' handlers: close everything first, then go.
  const onSignal = (sig) => {
    log(`${sig}: stopping code-server and the browser`);
    session.close({ keep: options.keep }).finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
  };
  if (options.handleSignals !== false) {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }

  const browserLog = [];
  let context;
  let page;
  let closed = false;

  const session = {
    port,
    runDir,
    userDataDir,
    extensionsDir,
    reportFile,
    controlDir,
    logFile,
    workspace,
    suitesDir,
    extensionId: extId,
    screenshotsDir: shotsDir,
    url: `http://127.0.0.1:${port}/?${new URLSearchParams({ folder: workspace })}`,
    startedAt,
    timings: {},
    get page() {
      return page;
    },
    get context() {
      return context;
    },
    get exited() {
      return exited;
    },
    browserLog,

    /** Saves a PNG of the whole window into the screenshots folder and returns its path. */
    async screenshot(name, opts = {}) {
      if (!page) throw new Error('no page open');
      mkdirSync(shotsDir, { recursive: true });
      const file = join(shotsDir, `${name.replace(/[^A-Za-z0-9._-]+/g, '-')}.png`);
      await page.screenshot({ path: file, ...opts });
      return file;
    },

    /** The last lines of code-server's own log and of the extension host's log. */
    logTail(lines = 40) {
      let out = '';
      try {
        out += `--- code-server output (${logFile}) ---\n${tailLines(readFileSync(logFile, 'utf8'), lines)}\n`;
      } catch {
        /* none */
      }
      for (const f of findFiles(join(userDataDir, 'logs'), (n) =>
        /exthost\d*\.log$|remoteexthost\.log$/.test(n),
      )) {
        try {
          out += `--- extension host log (${f}) ---\n${tailLines(readFileSync(f, 'utf8'), lines)}\n`;
        } catch {
          /* none */
        }
      }
      if (browserLog.length)
        out += `--- browser console ---\n${browserLog.slice(-lines).join('\n')}\n`;
      return out;
    },

    /**
     * Waits for the report, printing progress events through onEvent and answering the
     * suites' screenshot requests (takeScreenshot() in runner/index.ts) meanwhile.
     */
    async waitForReport({ timeoutMs = 600_000, startTimeoutMs = 120_000, onEvent } = {}) {
      const events = `${reportFile}.events.jsonl`;
      let offset = 0;
      let pending = '';
      let sawStart = false;
      const began = Date.now();
      const deadline = began + timeoutMs;
      const readEvents = () => {
        if (!existsSync(events)) return;
        const fd = openSync(events, 'r');
        try {
          const buf = Buffer.alloc(64 * 1024);
          let n;
          while ((n = readSync(fd, buf, 0, buf.length, offset)) > 0) {
            offset += n;
            pending += buf.subarray(0, n).toString('utf8');
          }
        } finally {
          closeSync(fd);
        }
        const lines = pending.split('\n');
        pending = lines.pop();
        for (const line of lines) {
          if (!line.trim()) continue;
          let ev;
          try {
            ev = JSON.parse(line);
          } catch {
            continue;
          }
          if (ev.type === 'start') {
            sawStart = true;
            session.timings.suitesStarted = Date.now() - startedAt;
          }
          onEvent?.(ev);
        }
      };
      for (;;) {
        readEvents();
        await answerScreenshotRequests(session);
        if (existsSync(reportFile)) {
          readEvents();
          try {
            const report = JSON.parse(readFileSync(reportFile, 'utf8'));
            session.timings.reportWritten = Date.now() - startedAt;
            return report;
          } catch {
            /* written by rename, so this is a stale or foreign file: keep waiting */
          }
        }
        if (exited)
          throw new Error(
            `code-server exited (code ${exited.code}, signal ${exited.signal}) before the report was written`,
          );
        if (page?.isClosed())
          throw new Error('the workbench page closed before the report was written');
        if (!sawStart && Date.now() - began > startTimeoutMs) {
          throw new Error(
            `the extension did not start the suites within ${secs(startTimeoutMs)} of the workbench opening. ` +
              `Does ${extId} activate (activationEvents) and call runSuites()/runSuitesFromEnv() when LABBOOK_TEST_SUITES is set?`,
          );
        }
        if (Date.now() > deadline)
          throw new Error(
            `no report after ${secs(timeoutMs)}: a test may hang (see the last test printed)`,
          );
        await sleep(200);
      }
    },

    /** Closes the browser and kills code-server's whole process group. Safe to call twice. */
    async close({ keep = options.keep ?? false } = {}) {
      if (closed) return;
      closed = true;
      try {
        await Promise.race([context?.close(), idle(10_000)]);
      } catch {
        /* already gone */
      }
      if (!exited) {
        try {
          process.kill(-child.pid, 'SIGTERM');
        } catch {
          /* gone */
        }
        for (let i = 0; i < 50 && !exited; i++) await sleep(100);
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
      process.removeListener('exit', exitGuard);
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
      logStream.end();
      if (!keep) rmSync(runDir, { recursive: true, force: true });
    },
  };

  try {
    await waitForServer(session, () => exited, options.serverTimeoutMs ?? 60_000);
    session.timings.serverReady = Date.now() - startedAt;
    log(`code-server ready after ${secs(session.timings.serverReady)}`);

    const { chromium } = await importPlaywright();
    context = await chromium.launchPersistentContext(join(runDir, 'chromium-profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: options.viewport ?? { width: 1440, height: 900 },
      timeout: 60_000,
      // Our own handlers close the browser and code-server together; playwright's would
      // exit the process first.
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    });
    page = context.pages()[0] ?? (await context.newPage());
    // The extension host's console.* arrives here (prefixed "[Extension Host]"), not in
    // any log file, so it is kept in browser-console.log and in the failure tail.
    const consoleFile = join(runDir, 'browser-console.log');
    page.on('console', (msg) => {
      // Drop the %c styling the workbench adds to forwarded messages.
      const line = `[${msg.type()}] ${msg
        .text()
        .replace(/%c/g, '')
        .replace(/ color: [#\w]+/g, '')}`;
      try {
        appendFileSync(consoleFile, line + '\n');
      } catch {
        /* run folder removed */
      }
      const fromExtHost = msg.text().includes('[Extension Host]');
      if (fromExtHost || msg.type() === 'error' || msg.type() === 'warning') browserLog.push(line);
      if (fromExtHost && options.verbose) console.log(line);
    });
    page.on('pageerror', (err) => browserLog.push(`[pageerror] ${err.message}`));
    await page.goto(session.url, { waitUntil: 'domcontentloaded', timeout: 60_000 });
    await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
    session.timings.workbench = Date.now() - startedAt;
    log(`workbench open after ${secs(session.timings.workbench)}: ${session.url}`);
  } catch (err) {
    if (page && !page.isClosed()) {
      try {
        log(`failure screenshot: ${await session.screenshot('code-server-failure')}`);
      } catch {
        /* page gone */
      }
    }
    err.logTail = session.logTail();
    await session.close();
    throw err;
  }
  return session;
}

async function ensureCodeServer(install, log) {
  const mod = await import(
    pathToFileURL(join(repoRoot, 'scripts', 'install-code-server.mjs')).href
  );
  if (install) return mod.install();
  if (!existsSync(mod.codeServerBin))
    throw new Error(`code-server is not installed: run node scripts/install-code-server.mjs`);
  log(`using ${mod.codeServerBin}`);
  return mod.codeServerBin;
}

async function importPlaywright() {
  try {
    return await import('playwright-core');
  } catch (err) {
    throw new Error(
      `cannot load playwright-core (npm install it; never run \`npx playwright install\`, the browser is Debian's ${CHROMIUM}): ${err.message}`,
    );
  }
}

async function waitForServer(session, exitedFn, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let lastErr;
  while (Date.now() < deadline) {
    const ex = exitedFn();
    if (ex)
      throw new Error(`code-server exited during start-up (code ${ex.code}, signal ${ex.signal})`);
    try {
      const res = await fetch(`http://127.0.0.1:${session.port}/healthz`, {
        signal: AbortSignal.timeout(2000),
      });
      if (res.ok) return;
      lastErr = new Error(`healthz answered ${res.status}`);
    } catch (err) {
      lastErr = err;
    }
    await sleep(200);
  }
  throw new Error(
    `code-server did not answer on 127.0.0.1:${session.port} within ${secs(timeoutMs)}: ${lastErr?.message}`,
  );
}

/**
 * Waits until an element matching `selector` exists in the page or any of its frames:
 * notebook outputs and panels live in nested webview iframes the extension host cannot see.
 */
async function waitForInAnyFrame(page, selector, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const frame of page.frames()) {
      try {
        if (await frame.$(selector)) return;
      } catch {
        /* frame navigated away */
      }
    }
    await sleep(250);
  }
  throw new Error(
    `nothing matched ${selector} in the workbench or its webviews within ${secs(timeoutMs)}`,
  );
}

/**
 * What a suite cannot see from the extension host: across the page and every webview
 * frame, how many elements match `selector`, whether some frame's text contains `text`,
 * and whether any frame has the global `flag` set (a planted script would set it).
 */
async function inspectFrames(page, { selector, text, flag }) {
  const result = { matches: 0, textFound: false, flagSet: false, frames: 0 };
  for (const frame of page.frames()) {
    try {
      result.frames++;
      if (selector) result.matches += (await frame.$$(selector)).length;
      // eslint-disable-next-line no-undef -- evaluated in the page, where document exists
      if (text && (await frame.evaluate((t) => (document.body?.innerText ?? '').includes(t), text)))
        result.textFound = true;
      if (flag && (await frame.evaluate((f) => globalThis[f] !== undefined, flag)))
        result.flagSet = true;
    } catch {
      /* frame navigated away */
    }
  }
  return result;
}

/** Scrolls the first element matching `selector` (in any frame) to the top of its view. */
async function scrollIntoViewInAnyFrame(page, selector) {
  for (const frame of page.frames()) {
    try {
      const element = await frame.$(selector);
      if (!element) continue;
      await element.evaluate((e) => e.scrollIntoView({ block: 'start' }));
      await sleep(500);
      return;
    } catch {
      /* frame navigated away */
    }
  }
  throw new Error(`nothing matched ${selector} to scroll to`);
}

async function answerScreenshotRequests(session) {
  let names;
  try {
    names = readdirSync(session.controlDir).filter((n) => n.endsWith('.request'));
  } catch {
    return;
  }
  for (const n of names) {
    const base = n.slice(0, -'.request'.length);
    const reqFile = join(session.controlDir, n);
    let answer;
    try {
      const { name, waitFor, inspect, scrollTo } = JSON.parse(readFileSync(reqFile, 'utf8'));
      // Scroll first: panels may draw what scrolls into view only then (lazy charts).
      if (scrollTo) {
        await waitForInAnyFrame(session.page, scrollTo);
        await scrollIntoViewInAnyFrame(session.page, scrollTo);
      }
      if (waitFor) await waitForInAnyFrame(session.page, waitFor);
      answer = { path: await session.screenshot(name) };
      if (inspect) answer.inspection = await inspectFrames(session.page, inspect);
    } catch (err) {
      answer = { error: err.message };
    }
    rmSync(reqFile, { force: true });
    const tmp = join(session.controlDir, `${base}.tmp`);
    writeFileSync(tmp, JSON.stringify(answer));
    renameSync(tmp, join(session.controlDir, `${base}.done`));
  }
}

const MARK = { passed: '  ✓', failed: '  ✗', pending: '  -' };

export function formatTest(t) {
  const dur = t.durationMs !== undefined && t.state !== 'pending' ? ` (${t.durationMs} ms)` : '';
  return `${MARK[t.state] ?? '  ?'} ${t.fullTitle}${t.state === 'pending' ? ' (skipped)' : dur}`;
}

/**
 * Prints failures in detail and the closing count line, `N passed, N failed`, alone on
 * its own line and last. `extraFailures` are launcher-level problems (timeouts, hooks),
 * each counted as one failure so a broken run can't look green.
 */
export function printSummary(
  report,
  { extraFailures = [], printTests = false, out = console.log } = {},
) {
  const tests = report?.tests ?? [];
  if (printTests) for (const t of tests) out(formatTest(t));
  const failures = tests.filter((t) => t.state === 'failed');
  if (report?.error)
    extraFailures = [
      { title: 'suite run', message: report.error.stack ?? report.error.message },
      ...extraFailures,
    ];
  if (failures.length || extraFailures.length) out('\nFailures:');
  failures.forEach((t, i) => {
    out(`\n  ${i + 1}) ${t.fullTitle}${t.file ? `\n     ${t.file}` : ''}`);
    out(indent(t.error?.stack ?? t.error?.message ?? 'failed', 5));
    if (t.error?.expected !== undefined || t.error?.actual !== undefined) {
      out(indent(`expected: ${t.error.expected}\nactual:   ${t.error.actual}`, 5));
    }
  });
  extraFailures.forEach((f, i) =>
    out(`\n  ${failures.length + i + 1}) (launcher) ${f.title}\n${indent(f.message, 5)}`),
  );
  const passed = tests.filter((t) => t.state === 'passed').length;
  const pending = tests.filter((t) => t.state === 'pending').length;
  const failed = failures.length + extraFailures.length;
  out('');
  if (report?.vscode?.version) {
    out(
      `VS Code ${report.vscode.version} (${report.vscode.appName ?? '?'}, ${report.vscode.appHost ?? '?'}), ` +
        `extension host Node ${report.process?.versions?.node}${report.durationMs !== undefined ? `, suites took ${secs(report.durationMs)}` : ''}`,
    );
  }
  if (pending) out(`${pending} skipped`);
  out(`${passed} passed, ${failed} failed`);
  return { passed, failed, pending };
}

function indent(text, n) {
  const pad = ' '.repeat(n);
  return String(text)
    .split('\n')
    .map((l) => pad + l)
    .join('\n');
}

/**
 * The whole run: launch, run hooks while the suites run, wait for the report, print it,
 * clean up. Resolves to the process exit code (0 only when every test passed).
 */
export async function runIntegration(options = {}) {
  const log = options.log ?? ((msg) => console.log(`[code-server-tests] ${msg}`));
  const suitesDir = resolve(
    options.suitesDir ?? join(repoRoot, 'dist', 'test', 'integration', 'suites'),
  );
  if (!existsSync(suitesDir)) {
    printSummary(null, {
      extraFailures: [
        {
          title: 'suites',
          message: `suites folder ${suitesDir} does not exist: build first (npm run build)`,
        },
      ],
    });
    return 1;
  }
  if (!findFiles(suitesDir, (n) => n.endsWith('.test.js')).length) {
    printSummary(null, {
      extraFailures: [{ title: 'suites', message: `no *.test.js files under ${suitesDir}` }],
    });
    return 1;
  }
  const hooks = [];
  for (const h of options.hooks ?? []) {
    if (typeof h === 'function') {
      hooks.push({ name: h.name || 'hook', fn: h });
      continue;
    }
    const mod = await import(pathToFileURL(resolve(h)).href);
    const fn = mod.default ?? mod.onWorkbench;
    if (typeof fn !== 'function')
      throw new Error(`hook ${h} exports neither default nor onWorkbench`);
    hooks.push({ name: h, fn });
  }

  const extraFailures = [];
  let session;
  let report = null;
  try {
    session = await launchCodeServer({ ...options, suitesDir, log });

    // Hooks run beside the suites, against the live workbench.
    const hookRuns = hooks.map(({ name, fn }) =>
      Promise.resolve()
        .then(() => fn(session))
        .catch((err) => {
          extraFailures.push({ title: `hook ${name}`, message: err?.stack ?? String(err) });
        }),
    );
    report = await session.waitForReport({
      timeoutMs: options.timeoutMs,
      startTimeoutMs: options.startTimeoutMs,
      onEvent: (ev) => {
        if (ev.type === 'start') {
          log(
            `suites started in the extension host ${secs(session.timings.suitesStarted)} after code-server start ` +
              `(VS Code ${ev.vscodeVersion ?? '?'}, ${ev.files.length} file(s))`,
          );
        } else if (ev.type === 'test') {
          console.log(formatTest(ev));
        }
      },
    });
    await Promise.race([
      Promise.all(hookRuns),
      idle(options.hookTimeoutMs ?? 60_000).then(() => {
        extraFailures.push({
          title: 'hooks',
          message: `hooks still running ${secs(options.hookTimeoutMs ?? 60_000)} after the suites finished`,
        });
      }),
    ]);
    if (options.screenshot) log(`screenshot: ${await session.screenshot(options.screenshot)}`);
  } catch (err) {
    extraFailures.push({ title: 'run', message: err?.message ?? String(err) });
    if (session?.page && !session.page.isClosed()) {
      try {
        log(`failure screenshot: ${await session.screenshot('code-server-failure')}`);
      } catch {
        /* page gone */
      }
    }
    const tail = err?.logTail ?? session?.logTail();
    if (tail) console.log(`\n${tail}`);
  } finally {
    if (session) {
      const t = session.timings;
      log(
        `timings: server ready ${secs(t.serverReady ?? NaN)}, workbench ${secs(t.workbench ?? NaN)}, ` +
          `suites started ${secs(t.suitesStarted ?? NaN)}, report ${secs(t.reportWritten ?? NaN)} (from code-server start)`,
      );
      if (options.keep) log(`kept ${session.runDir}`);
      await session.close({ keep: options.keep });
    }
  }
  if (options.reportCopy && report) {
    mkdirSync(dirname(resolve(options.reportCopy)), { recursive: true });
    writeFileSync(resolve(options.reportCopy), JSON.stringify(report, null, 2));
  }
  const { failed, passed } = printSummary(report, { extraFailures });
  return failed === 0 && passed > 0 ? 0 : 1;
}

function portOption(text) {
  if (text === undefined || text === '') return undefined;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new Error(`--port takes a whole number from 1 to 65535, not "${text}"`);
  return port;
}

async function main() {
  const { values } = parseArgs({
    options: {
      extension: { type: 'string' },
      workspace: { type: 'string' },
      suites: { type: 'string' },
      timeout: { type: 'string' },
      'start-timeout': { type: 'string' },
      screenshot: { type: 'string' },
      hook: { type: 'string', multiple: true },
      settings: { type: 'string' },
      report: { type: 'string' },
      keep: { type: 'boolean' },
      verbose: { type: 'boolean' },
      'no-install': { type: 'boolean' },
      port: { type: 'string' },
      vsix: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    printUsage(import.meta.url);
    return 0;
  }
  const abs = (p) => (p === undefined ? undefined : isAbsolute(p) ? p : resolve(process.cwd(), p));
  const vsix = abs(values.vsix);
  let workspace = abs(values.workspace);
  if (vsix && !workspace) {
    // A user's fresh folder: empty, outside the repository.
    workspace = mkdtempSync(join(tmpdir(), 'labbook-empty-folder-'));
    process.on('exit', () => rmSync(workspace, { recursive: true, force: true }));
  }
  return runIntegration({
    extensionDir: abs(values.extension),
    workspace,
    vsix,
    suitesDir:
      abs(values.suites) ??
      (vsix ? join(repoRoot, 'dist', 'test', 'integration', 'suites-vsix') : undefined),
    timeoutMs: values.timeout
      ? Number(values.timeout) * 1000
      : Number(process.env.LABBOOK_TEST_RUN_TIMEOUT_S || 600) * 1000,
    startTimeoutMs: values['start-timeout'] ? Number(values['start-timeout']) * 1000 : undefined,
    screenshot: values.screenshot,
    hooks: values.hook,
    settings: values.settings ? JSON.parse(readFileSync(abs(values.settings), 'utf8')) : undefined,
    reportCopy: abs(values.report),
    keep: values.keep,
    verbose: values.verbose,
    install: !values['no-install'],
    port: portOption(values.port ?? process.env.LABBOOK_CODE_SERVER_PORT),
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  // Stays 1 if the event loop empties before main() settles (a hook awaiting nothing).
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
}
