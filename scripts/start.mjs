#!/usr/bin/env node
// `npm start`: Labbook in a real VS Code. Installs code-server (VS Code's server build,
// from npm) into .vscode-test/, installs this extension into it, opens the examples/
// workspace and prints the address to open in a browser. Loopback only; Ctrl+C stops it.
//
// Options (environment): LABBOOK_PORT (default 8080), LABBOOK_WORKSPACE (default examples/).
import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  lstatSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { install } from './install-code-server.mjs';
import {
  DEFAULT_SETTINGS,
  codeServerArgs,
  codeServerEnv,
  linkTsserverPlugin,
} from '../test/integration/launch-code-server.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const port = Number(process.env.LABBOOK_PORT || 8080);
const workspace = resolve(process.env.LABBOOK_WORKSPACE || join(root, 'examples'));
const stateDir = join(root, '.vscode-test', 'start');
const userDataDir = join(stateDir, 'user-data');
const extensionsDir = join(stateDir, 'extensions');

if (!existsSync(join(root, pkg.main))) {
  console.error(`Labbook is not built (${pkg.main} is missing): run \`npm run build\` first.`);
  process.exit(1);
}
const codeServer = install();

// The person's state (open editors, layout) survives restarts; the extension link is renewed.
mkdirSync(join(userDataDir, 'User'), { recursive: true });
mkdirSync(extensionsDir, { recursive: true });
const settingsFile = join(userDataDir, 'User', 'settings.json');
if (!existsSync(settingsFile))
  writeFileSync(settingsFile, `${JSON.stringify(DEFAULT_SETTINGS, null, 2)}\n`);
const link = join(extensionsDir, `${pkg.publisher}.${pkg.name}-${pkg.version}`);
try {
  if (lstatSync(link)) rmSync(link, { recursive: true, force: true });
} catch {
  /* not there yet */
}
symlinkSync(root, link, 'dir');
// As the .vsix has it: the built-in TypeScript leaves notebook cells to Labbook's checker.
linkTsserverPlugin(root, extensionsDir);
// code-server caches its extension list; a stale one would hide a new version.
rmSync(join(extensionsDir, 'extensions.json'), { force: true });
const configFile = join(stateDir, 'config.yaml');
writeFileSync(configFile, 'auth: none\n');

const server = spawn(
  process.execPath,
  [codeServer, ...codeServerArgs({ port, configFile, userDataDir, extensionsDir, workspace })],
  { env: codeServerEnv(), stdio: ['ignore', 'pipe', 'inherit'] },
);

server.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  if (/HTTP server listening/.test(String(chunk))) {
    const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`;
    console.log(
      `\nLabbook is running in VS Code (code-server): open ${url}\n` +
        'Open penguins.ipynb, pick the "TypeScript (Labbook)" kernel if asked, and Run All; runs appear in the Labbook sidebar.\n' +
        'Ctrl+C stops it.\n',
    );
  }
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => server.kill('SIGTERM'));
server.on('exit', (code, signal) => process.exit(signal ? 0 : (code ?? 0)));
