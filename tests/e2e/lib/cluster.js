'use strict';
// The run directory of the end-to-end tests and the private PostgreSQL cluster in it, started
// through scripts/pg-cluster (fsync off, Unix socket only); a fresh database per gateway.
//
//   <tmp>/parley-e2e-XXXXXX/    the run directory (Cluster.root)
//     pg/                       the cluster
//     gw-XXXXXX/                one per gateway: gateway.yaml, files/ (lib/gateway.js)
//     pgid                      the process group of the test runner (run.js), while it runs
//
// Clean-up does not depend on this process ending well: a watchdog shell in its own session
// waits for EOF on a pipe from us. stop() closes the pipe; so does the kernel when this process
// dies in any way (an uncaught error, SIGKILL from a CTest timeout). The watchdog then kills the
// process group named in `pgid` (test processes and their parleyd), stops the cluster and
// removes the run directory.

const {spawn} = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const {run} = require('./process');

const kSourceDir = path.resolve(__dirname, '..', '..', '..');
const kPgCluster = path.join(kSourceDir, 'scripts', 'pg-cluster');
const kDsnPrefix = 'postgresql:///parley?';
const kWatchdog = `
  cat >/dev/null
  if [ -f "$1/pgid" ]; then kill -KILL -- "-$(cat "$1/pgid")" 2>/dev/null; fi
  "$0" stop "$1/pg"
  rm -rf "$1"`;

class Cluster {
  // Creates the run directory and starts the cluster in it. Throws with the script's error
  // output when it fails. With `stopAtExit` the cluster does not keep this process alive and is
  // stopped when it exits, without a call to stop().
  static async start({stopAtExit = false} = {}) {
    const root = fs.mkdtempSync(path.join(process.env.TMPDIR || os.tmpdir(), 'parley-e2e-'));
    // pg-cluster runs the server as the postgres user when we are root: it must reach pg/.
    fs.chmodSync(root, 0o711);
    const watchdog = spawn('/bin/sh', ['-c', kWatchdog, kPgCluster, root],
        {stdio: ['pipe', 'ignore', 'ignore'], detached: true});
    const cluster = new Cluster(root, watchdog);
    if (stopAtExit) {
      watchdog.unref();
      watchdog.stdin.unref();
    }
    try {
      const started = await run(kPgCluster, ['start', path.join(root, 'pg')], {
        env: {...process.env, PARLEY_PG_FAST: '1'},
        timeoutMs: 120_000,
      });
      if (started.code !== 0) {
        throw new Error(`scripts/pg-cluster start failed (exit ${started.code}):\n${started.stderr}`);
      }
      const dsn = started.stdout.trim();
      if (!dsn.startsWith(kDsnPrefix)) {
        throw new Error(`scripts/pg-cluster start printed an unexpected line: ${dsn}`);
      }
      cluster.dsn = dsn;
      return cluster;
    } catch (error) {
      await cluster.stop();
      throw error;
    }
  }

  constructor(root, watchdog) {
    this.root = root;
    this.dsn = '';
    this.watchdog_ = watchdog;
    this.exited_ = new Promise((resolve) => watchdog.once('exit', resolve));
  }

  // Has the watchdog kill process group `pgid` if this process dies before releasing it.
  guardProcessGroup(pgid) {
    fs.writeFileSync(path.join(this.root, 'pgid'), `${pgid}\n`);
  }

  releaseProcessGroup() {
    fs.rmSync(path.join(this.root, 'pgid'), {force: true});
  }

  // Stops the server and removes the run directory. Safe to call more than once.
  async stop() {
    this.watchdog_.ref();
    this.watchdog_.stdin.end();
    await this.exited_;
  }

  // Creates an empty database with a random name and returns its URI.
  createDatabase() {
    return Cluster.createDatabaseOn(this.dsn);
  }

  // The same on the cluster whose "parley" database is `dsn` (a URI pg-cluster printed).
  static async createDatabaseOn(dsn) {
    if (!dsn.startsWith(kDsnPrefix)) throw new Error(`not a pg-cluster URI: ${dsn}`);
    const name = `e2e_${crypto.randomBytes(8).toString('hex')}`;
    const created = await run('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', dsn, '-c',
      `CREATE DATABASE ${name}`]);
    if (created.code !== 0) throw new Error(`CREATE DATABASE ${name} failed:\n${created.stderr}`);
    return `postgresql:///${name}?${dsn.slice(kDsnPrefix.length)}`;
  }
}

module.exports = {Cluster};
