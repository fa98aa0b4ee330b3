// The unit tests. A file named on the command line (`npx mocha dist/test/unit/x.test.js`)
// runs alone: mocha adds a configured spec to the files it is given, which ran all of them.
const named = process.argv.slice(2).some((a) => /\.test\.js$/.test(a));
module.exports = {
  spec: named ? [] : ['dist/test/unit/**/*.test.js'],
  timeout: 60000,
  reporter: './test/support/summary-reporter.js',
};
