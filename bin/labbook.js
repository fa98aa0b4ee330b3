#!/usr/bin/env node
// The `labbook` command. The code lives in dist/ (built by `npm run build`, which `npm install` runs).
const path = require('node:path');
let cli;
try {
  cli = require(path.join(__dirname, '..', 'dist', 'cli', 'main.js'));
} catch (error) {
  if (error && error.code === 'MODULE_NOT_FOUND' && /dist/.test(String(error.message))) {
    process.stderr.write(
      'labbook: not built yet; run `npm run build` in ' + path.join(__dirname, '..') + '\n',
    );
    process.exit(2);
  }
  throw error;
}
cli.main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
