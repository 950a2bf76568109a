#!/usr/bin/env node
'use strict';
// The end-to-end suite as CTest runs it (label e2e):
//
//   PARLEY_BIN=build/debug/gateway/parleyd node tests/e2e/run.js [test files...]
//
// Without files: every tests/*.test.js but those of kOwnTests (CTest runs each of those as a
// test of its own: tests/e2e/CMakeLists.txt).
//
// Starts one private PostgreSQL cluster for the whole run and hands it to the test files as
// $PARLEY_E2E_DSN, with the run directory as $PARLEY_E2E_ROOT (each gateway then gets its own
// database on it and its own directory in it: lib/cluster.js, lib/gateway.js), runs every
// tests/*.test.js (or the files given) with node's test runner, one file at a time, and stops
// the cluster afterwards, also when a test failed or this process is interrupted. Exit status:
// the test runner's (0 when every test passed); 1 when the harness itself could not start.

const {spawn} = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const {Cluster} = require('./lib/cluster');

const kHere = __dirname;
// Files that CTest runs as tests of their own (they take minutes): left out of the default set.
const kOwnTests = new Set(['xmpp_faults.test.js', 'matrix_faults.test.js']);

function testFiles(args) {
  if (args.length > 0) return args.map((file) => path.resolve(file));
  const dir = path.join(kHere, 'tests');
  return fs.readdirSync(dir).filter((name) => name.endsWith('.test.js') && !kOwnTests.has(name))
      .sort().map((name) => path.join(dir, name));
}

function checkPrerequisites() {
  if (!fs.existsSync(path.join(kHere, 'node_modules', '@mattermost', 'client'))) {
    throw new Error('tests/e2e/node_modules is missing: run scripts/install-deps ' +
      '(or `npm ci` in tests/e2e)');
  }
  const bin = process.env.PARLEY_BIN;
  if (!bin || !fs.existsSync(bin)) {
    throw new Error(`PARLEY_BIN must name the parleyd binary (it is "${bin ?? ''}")`);
  }
}

async function main() {
  checkPrerequisites();
  const cluster = await Cluster.start();
  let runner = null;
  const interrupt = (signal) => {
    if (runner) process.kill(-runner.pid, signal);
    cluster.stop().finally(() => process.exit(1));
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  try {
    // In a process group of its own, which the cluster's watchdog kills (test processes and
    // their parleyd included) should this process die without cleaning up.
    runner = spawn(process.execPath,
        ['--test', '--test-concurrency=1', '--test-reporter=spec', ...testFiles(process.argv.slice(2))],
        {
          cwd: kHere,
          env: {...process.env, PARLEY_E2E_DSN: cluster.dsn, PARLEY_E2E_ROOT: cluster.root},
          stdio: 'inherit',
          detached: true,
        });
    cluster.guardProcessGroup(runner.pid);
    const [code, signal] = await new Promise((resolve) => {
      runner.once('close', (exitCode, exitSignal) => resolve([exitCode, exitSignal]));
    });
    cluster.releaseProcessGroup();
    return signal ? 1 : code;
  } finally {
    await cluster.stop();
  }
}

main().then((code) => process.exit(code), (error) => {
  console.error(`e2e: ${error.message}`);
  process.exit(1);
});
