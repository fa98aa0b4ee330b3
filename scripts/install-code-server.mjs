#!/usr/bin/env node
// Installs code-server (a real VS Code extension host reachable from a browser) into
// .vscode-test/code-server/ so integration tests can run without downloading desktop
// VS Code. It is a test tool, never a dependency of the extension, so it lives in an
// ignored folder with its own package.json instead of the repo's.
//
// Usage: node scripts/install-code-server.mjs [--force]
// Prints the path of the code-server binary on its last line.
import { spawnSync, execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  writeFileSync,
  rmSync,
  copyFileSync,
  chmodSync,
  mkdtempSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CODE_SERVER_VERSION = '4.100.3';
// code-server 4.100.3 depends on @vscode/ripgrep 1.15.11, whose postinstall downloads
// ripgrep v13.0.0-10 unless it finds this tarball in its cache.
const RIPGREP_PACKAGE_VERSION = '1.15.11';
const RIPGREP_ASSET = 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const installDir = join(root, '.vscode-test', 'code-server');
export const codeServerBin = join(installDir, 'node_modules', '.bin', 'code-server');
const marker = join(installDir, `.installed-${CODE_SERVER_VERSION}`);

const log = (msg) => console.log(`[install-code-server] ${msg}`);

function fail(msg) {
  console.error(`[install-code-server] ERROR: ${msg}`);
  process.exit(1);
}

function which(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).stdout.trim() || null;
}

// Checked up front because the failures they cause deep inside npm's native builds are
// long and don't name the missing Debian package.
function checkPrerequisites() {
  const missing = [];
  if (!existsSync('/usr/include/gssapi/gssapi.h')) {
    missing.push(['libkrb5-dev', 'kerberos headers for the `kerberos` native module']);
  }
  if (!which('rg')) missing.push(['ripgrep', "`rg`, packed into @vscode/ripgrep's download cache"]);
  if (!which('make') || !which('g++'))
    missing.push(['build-essential', 'make and g++ for node-gyp']);
  if (!which('python3')) missing.push(['python3', 'node-gyp runs python3']);
  if (!which('tar')) missing.push(['tar', 'packs the ripgrep cache tarball']);
  if (missing.length) {
    fail(
      'missing Debian packages:\n' +
        missing.map(([pkg, why]) => `  - ${pkg} (${why})`).join('\n') +
        `\nInstall them with:\n  apt-get update && apt-get install -y ${missing.map(([p]) => p).join(' ')}`,
    );
  }
  const [major] = process.versions.node.split('.').map(Number);
  if (major !== 20) {
    log(
      `warning: code-server ${CODE_SERVER_VERSION} is built for Node 20; this is Node ${process.versions.node}`,
    );
  }
  if (process.arch !== 'x64' || process.platform !== 'linux') {
    log(
      `warning: the ripgrep cache trick is for linux-x64; this is ${process.platform}-${process.arch}`,
    );
  }
}

// @vscode/ripgrep's postinstall looks in this cache before going to GitHub (unreachable
// here); any rg binary in the expected tarball satisfies it, and Debian's works.
function seedRipgrepCache() {
  const cacheDir = join(tmpdir(), `vscode-ripgrep-cache-${RIPGREP_PACKAGE_VERSION}`);
  const tarball = join(cacheDir, RIPGREP_ASSET);
  if (existsSync(tarball)) {
    log(`ripgrep cache already seeded: ${tarball}`);
    return;
  }
  mkdirSync(cacheDir, { recursive: true });
  const staging = mkdtempSync(join(tmpdir(), 'rg-staging-'));
  try {
    copyFileSync(which('rg'), join(staging, 'rg'));
    chmodSync(join(staging, 'rg'), 0o755);
    execFileSync('tar', ['-czf', tarball, '-C', staging, 'rg']);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  log(`seeded ripgrep cache with Debian's rg: ${tarball}`);
}

function isInstalled() {
  if (!existsSync(marker) || !existsSync(codeServerBin)) return false;
  try {
    const pkg = JSON.parse(
      readFileSync(join(installDir, 'node_modules', 'code-server', 'package.json'), 'utf8'),
    );
    return pkg.version === CODE_SERVER_VERSION;
  } catch {
    return false;
  }
}

export function install({ force = false } = {}) {
  if (!force && isInstalled()) {
    log(`code-server ${CODE_SERVER_VERSION} already installed in ${installDir}`);
    return codeServerBin;
  }
  checkPrerequisites();
  seedRipgrepCache();
  if (force) rmSync(installDir, { recursive: true, force: true });
  mkdirSync(installDir, { recursive: true });
  // Its own package.json keeps npm from walking up to the repo's and installing there.
  writeFileSync(
    join(installDir, 'package.json'),
    JSON.stringify(
      {
        name: 'labbook-code-server',
        private: true,
        description: 'test tool, not shipped',
      },
      null,
      2,
    ) + '\n',
  );
  rmSync(marker, { force: true });

  const started = Date.now();
  log(
    `installing code-server@${CODE_SERVER_VERSION} into ${installDir} (takes several minutes: native modules build from source)`,
  );
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const res = spawnSync(
    npm,
    [
      'install',
      `code-server@${CODE_SERVER_VERSION}`,
      '--no-audit',
      '--no-fund',
      '--no-package-lock',
      '--foreground-scripts',
    ],
    {
      cwd: installDir,
      stdio: 'inherit',
      env: {
        ...process.env,
        // Running as root, npm drops privileges for scripts and the postinstall can't write.
        npm_config_unsafe_perm: 'true',
        // code-server's postinstall runs `npx node-gyp`, which otherwise asks and cancels.
        npm_config_yes: 'true',
      },
    },
  );
  if (res.error) fail(`could not run npm: ${res.error.message}`);
  if (res.status !== 0) {
    fail(
      `npm install code-server@${CODE_SERVER_VERSION} exited with ${res.status}. ` +
        'If @vscode/ripgrep tried to download, the cache tarball name no longer matches; ' +
        'if kerberos failed to compile, install libkrb5-dev.',
    );
  }
  if (!existsSync(codeServerBin)) fail(`npm finished but ${codeServerBin} is missing`);
  // code-server writes a default config file on any start; keep it out of the user's home.
  const version = execFileSync(codeServerBin, ['--version'], {
    encoding: 'utf8',
    env: { ...process.env, XDG_CONFIG_HOME: join(installDir, '.config') },
  }).trim();
  log(
    `code-server --version: ${version.split('\n').find((l) => /^\d+\.\d+\.\d+/.test(l)) ?? version}`,
  );
  writeFileSync(marker, `${new Date().toISOString()}\n`);
  log(`installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return codeServerBin;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const bin = install({ force: process.argv.includes('--force') });
  console.log(bin);
}
