// Runs the integration suites inside the VS Code extension host and writes a JSON report
// that the launcher outside (code-server + Chromium, or @vscode/test-electron) reads.
//
// This file is loaded by the extension when LABBOOK_TEST_SUITES is set, so it must not
// import mocha at the top: mocha is a devDependency, absent from a packaged extension,
// and the extension bundle must not swallow it. It is resolved at run time instead.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createRequire } from 'module';
import type MochaType from 'mocha';

export interface TestError {
  message: string;
  stack?: string;
  actual?: string;
  expected?: string;
}

export interface TestResult {
  title: string;
  fullTitle: string;
  file?: string;
  state: 'passed' | 'failed' | 'pending';
  durationMs?: number;
  error?: TestError;
}

export interface SuiteReport {
  launcher?: string;
  suitesDir: string;
  files: string[];
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  vscode: {
    version?: string;
    appName?: string;
    appHost?: string;
    uiKind?: string;
    remoteName?: string | null;
  };
  process: {
    versions: NodeJS.ProcessVersions;
    platform: string;
    arch: string;
    pid: number;
    execPath: string;
  };
  stats: { tests: number; passed: number; failed: number; pending: number };
  tests: TestResult[];
  /** Set when the run itself broke (mocha missing, no suite files, a suite file threw on load). */
  error?: TestError;
}

/** One JSON object per line in `<report>.events.jsonl`, so the launcher can show progress live. */
export type SuiteEvent =
  | { type: 'start'; time: string; files: string[]; vscodeVersion?: string }
  | ({ type: 'test'; time: string } & TestResult)
  | { type: 'end'; time: string; stats: SuiteReport['stats'] };

// `vscode` only exists inside the extension host; typed loosely so this file type-checks
// without @types/vscode and can be loaded (and fail clearly) anywhere.
interface VscodeInfo {
  version?: string;
  env?: { appName?: string; appHost?: string; uiKind?: number; remoteName?: string };
  UIKind?: Record<number, string>;
}

function vscodeInfo(): SuiteReport['vscode'] {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- 'vscode' exists only in the extension host: looked up when asked
    const vscode = require('vscode') as VscodeInfo;
    const uiKind = vscode.env?.uiKind;
    return {
      version: vscode.version,
      appName: vscode.env?.appName,
      appHost: vscode.env?.appHost,
      uiKind: uiKind === undefined ? undefined : (vscode.UIKind?.[uiKind] ?? String(uiKind)),
      remoteName: vscode.env?.remoteName ?? null,
    };
  } catch {
    return {};
  }
}

export function eventsFileFor(reportFile: string): string {
  return `${reportFile}.events.jsonl`;
}

function loadMocha(extraDirs: string[]): typeof MochaType {
  // From this file first (the extension's own node_modules, also through a symlinked
  // extension folder, since Node resolves to the real path), then the suites' folder.
  const dirs = [__dirname, ...extraDirs, process.cwd()];
  const tried: string[] = [];
  for (const dir of dirs) {
    try {
      // createRequire keeps bundlers from inlining mocha into the extension bundle.
      const req = createRequire(path.join(dir, 'index.js'));
      return req('mocha') as typeof MochaType;
    } catch (err) {
      tried.push(`${dir}: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  throw new Error(
    `cannot load mocha (it is a devDependency; run npm install in the extension folder).\n${tried.join('\n')}`,
  );
}

function findSuiteFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...findSuiteFiles(full));
    else if (entry.name.endsWith('.test.js')) out.push(full);
  }
  return out.sort();
}

function toError(err: unknown): TestError {
  if (err instanceof Error) {
    const e = err as Error & { actual?: unknown; expected?: unknown; showDiff?: boolean };
    const out: TestError = { message: e.message, stack: e.stack };
    if (e.showDiff !== false && ('actual' in e || 'expected' in e)) {
      out.actual = safeStringify(e.actual);
      out.expected = safeStringify(e.expected);
    }
    return out;
  }
  return { message: String(err) };
}

function safeStringify(value: unknown): string {
  try {
    return typeof value === 'string' ? value : (JSON.stringify(value, null, 2) ?? String(value));
  } catch {
    return String(value);
  }
}

// The launcher polls for the report; writing it whole and renaming means it never reads
// half a file.
function writeJsonAtomic(file: string, data: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(data, null, 2));
  fs.renameSync(tmp, file);
}

function appendEvent(reportFile: string, event: SuiteEvent): void {
  try {
    fs.appendFileSync(eventsFileFor(reportFile), JSON.stringify(event) + '\n');
  } catch {
    // Progress is a convenience; the report is what counts.
  }
}

const RUNS = Symbol.for('labbook.integration.runs');
type RunRegistry = Map<string, Promise<void>>;

/**
 * Runs every `*.test.js` under `suitesDir` (recursively) with mocha in this extension
 * host and writes a {@link SuiteReport} to `reportFile`. Suites may use the bdd
 * (`describe`/`it`) or tdd (`suite`/`test`) interface. Never rejects because tests
 * failed: failures are in the report. Calling it again for the same report file while a
 * run is in progress returns that run (activation may happen more than once).
 */
export function runSuites(suitesDir: string, reportFile: string): Promise<void> {
  const g = globalThis as unknown as Record<symbol, RunRegistry | undefined>;
  const runs = (g[RUNS] ??= new Map());
  const key = path.resolve(reportFile);
  const existing = runs.get(key);
  if (existing) return existing;
  const run = runSuitesOnce(path.resolve(suitesDir), key);
  runs.set(key, run);
  return run;
}

async function runSuitesOnce(suitesDir: string, reportFile: string): Promise<void> {
  const started = Date.now();
  const vscode = vscodeInfo();
  const report: SuiteReport = {
    launcher: process.env.LABBOOK_TEST_LAUNCHER,
    suitesDir,
    files: [],
    startedAt: new Date(started).toISOString(),
    finishedAt: '',
    durationMs: 0,
    vscode,
    process: {
      versions: process.versions,
      platform: process.platform,
      arch: process.arch,
      pid: process.pid,
      execPath: process.execPath,
    },
    stats: { tests: 0, passed: 0, failed: 0, pending: 0 },
    tests: [],
  };
  const finish = (): void => {
    report.finishedAt = new Date().toISOString();
    report.durationMs = Date.now() - started;
    report.stats = {
      tests: report.tests.length,
      passed: report.tests.filter((t) => t.state === 'passed').length,
      failed: report.tests.filter((t) => t.state === 'failed').length,
      pending: report.tests.filter((t) => t.state === 'pending').length,
    };
    appendEvent(reportFile, { type: 'end', time: report.finishedAt, stats: report.stats });
    writeJsonAtomic(reportFile, report);
  };

  try {
    fs.mkdirSync(path.dirname(reportFile), { recursive: true });
    fs.rmSync(eventsFileFor(reportFile), { force: true });
    if (!fs.existsSync(suitesDir)) throw new Error(`suites folder does not exist: ${suitesDir}`);
    report.files = findSuiteFiles(suitesDir);
    appendEvent(reportFile, {
      type: 'start',
      time: report.startedAt,
      files: report.files,
      vscodeVersion: vscode.version,
    });
    if (report.files.length === 0)
      throw new Error(`no *.test.js files under ${suitesDir} (did the build run?)`);

    const Mocha = loadMocha([suitesDir]);
    const { EVENT_TEST_PASS, EVENT_TEST_FAIL, EVENT_TEST_PENDING } = Mocha.Runner.constants;

    const record = (test: MochaType.Runnable, state: TestResult['state'], err?: unknown): void => {
      const result: TestResult = {
        title: test.title,
        fullTitle: test.fullTitle(),
        file: test.file,
        state,
        durationMs: test.duration,
        error: err === undefined ? undefined : toError(err),
      };
      report.tests.push(result);
      appendEvent(reportFile, { type: 'test', time: new Date().toISOString(), ...result });
      console.log(
        `[labbook-tests] ${state === 'passed' ? 'ok  ' : state === 'failed' ? 'FAIL' : 'skip'} ${result.fullTitle}` +
          (result.error ? `\n${result.error.stack ?? result.error.message}` : ''),
      );
    };

    // A reporter that only records: the extension host has no terminal to print to.
    class Recorder extends Mocha.reporters.Base {
      constructor(runner: MochaType.Runner, options?: MochaType.MochaOptions) {
        super(runner, options);
        runner.on(EVENT_TEST_PASS, (test) => record(test, 'passed'));
        // Also fires for failing hooks, whose tests then never run: each is one failure.
        runner.on(EVENT_TEST_FAIL, (test, err) => record(test, 'failed', err));
        runner.on(EVENT_TEST_PENDING, (test) => record(test, 'pending'));
      }
    }

    const timeout = Number(process.env.LABBOOK_TEST_TIMEOUT) || 60_000;
    const mocha = new Mocha({
      ui: 'bdd',
      reporter: Recorder as unknown as MochaType.ReporterConstructor,
      timeout,
      color: false,
      grep: process.env.LABBOOK_TEST_GREP || undefined,
    });
    // Binding a second interface adds suite/test/setup/teardown beside describe/it, so
    // suites written either way run in one pass.
    mocha.ui('tdd');
    for (const file of report.files) mocha.addFile(file);

    await new Promise<void>((resolve, reject) => {
      try {
        // run() loads the files with require(), which the extension host intercepts so
        // that `require('vscode')` in a suite gets the API.
        mocha.run(() => resolve());
      } catch (err) {
        reject(err);
      }
    });
  } catch (err) {
    report.error = toError(err);
    console.error('[labbook-tests] run failed:', err);
  }
  finish();
}

/**
 * What the extension calls from `activate()`: starts the suites when LABBOOK_TEST_SUITES
 * is set, without blocking activation (a suite that awaits the extension's activation
 * would otherwise wait for itself). Returns the run, or undefined when not testing.
 */
export function runSuitesFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<void> | undefined {
  const suitesDir = env.LABBOOK_TEST_SUITES;
  if (!suitesDir) return undefined;
  const reportFile =
    env.LABBOOK_TEST_REPORT || path.join(os.tmpdir(), 'labbook-integration-report.json');
  return new Promise<void>((resolve) => setTimeout(resolve, 0)).then(() =>
    runSuites(suitesDir, reportFile),
  );
}

let screenshotSeq = 0;

export interface FrameInspection {
  /** Elements matching `selector` in the workbench and all webviews. */
  matches: number;
  /** Whether some frame's visible text contains `text`. */
  textFound: boolean;
  /** Whether any frame has the global `flag` defined. */
  flagSet: boolean;
  frames: number;
}

export interface ScreenshotOptions {
  waitFor?: string;
  /** Scroll this element (in any frame) to the top before the shot. */
  scrollTo?: string;
  /** Also inspect every frame right after the shot (see FrameInspection). */
  inspect?: { selector?: string; text?: string; flag?: string };
}

/**
 * Asks the launcher for a screenshot of the workbench as it is now, saved as
 * `test-output/screenshots/<name>.png`. Resolves to the file's path, or to undefined
 * when the launcher has no browser (desktop VS Code through @vscode/test-electron).
 * With `waitFor`, the launcher first waits for that CSS selector in the page or its frames.
 */
export async function takeScreenshot(
  name: string,
  timeoutMs = 30_000,
  options: ScreenshotOptions = {},
): Promise<string | undefined> {
  return (await screenshotWithInspection(name, timeoutMs, options))?.path;
}

/** As takeScreenshot, returning the frames' inspection too (undefined without a browser). */
export async function screenshotWithInspection(
  name: string,
  timeoutMs = 30_000,
  options: ScreenshotOptions = {},
): Promise<{ path: string; inspection?: FrameInspection } | undefined> {
  const dir = process.env.LABBOOK_TEST_SCREENSHOTS;
  if (!dir) return undefined;
  const safe = name.replace(/[^A-Za-z0-9._-]+/g, '-');
  const id = `${process.pid}-${++screenshotSeq}-${safe}`;
  const done = path.join(dir, `${id}.done`);
  // waitFor: a CSS selector that must exist in the workbench or a webview before the shot
  // (the launcher fails the request otherwise), so a picture of "a rendered chart" is one.
  writeJsonAtomic(path.join(dir, `${id}.request`), {
    name: safe,
    waitFor: options.waitFor,
    inspect: options.inspect,
    scrollTo: options.scrollTo,
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (fs.existsSync(done)) {
      const answer = JSON.parse(fs.readFileSync(done, 'utf8')) as {
        path: string;
        error?: string;
        inspection?: FrameInspection;
      };
      if (answer.error) throw new Error(`screenshot ${name} failed: ${answer.error}`);
      return answer;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`screenshot ${name}: the launcher did not answer within ${timeoutMs} ms`);
}
