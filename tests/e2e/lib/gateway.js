'use strict';
// A real parleyd for a test: its own database on the run's PostgreSQL cluster, its own
// gateway.yaml (a free port, dsn_env) and file directory, `parleyd migrate`, then
// `parleyd serve`, whose port is read from the JSON log line {"msg":"listening","port":N}.
//
//   const gateway = await Gateway.start();
//   const client = gateway.client();          // a Client4 pointed at it
//   ...
//   await gateway.stop();                      // in after(): also when a test failed
//
// The parleyd binary is $PARLEY_BIN (CTest sets it). The cluster and run directory are the ones
// tests/e2e/run.js made ($PARLEY_E2E_DSN, $PARLEY_E2E_ROOT); a test file run on its own
// (`PARLEY_BIN=... node --test tests/x.test.js`) makes them for its process.
// parleyd runs under `setpriv --pdeathsig KILL`, so it dies with the test process whatever
// happens to that.

// @mattermost/client is CommonJS without named ESM exports, hence require().
const {Client4} = require('@mattermost/client');
const {spawn} = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const {Cluster} = require('./cluster');
const {run} = require('./process');

const kStartTimeoutMs = 20_000;
const kStopTimeoutMs = 10_000;

function parleydPath() {
  const bin = process.env.PARLEY_BIN;
  if (!bin) throw new Error('PARLEY_BIN is not set: run the e2e tests through ctest (label e2e)');
  return bin;
}

let ownCluster = null;  // a promise of the Cluster of this process, when not under run.js

// A new database and the run directory to put the gateway's files in.
async function newDatabase() {
  const {PARLEY_E2E_DSN: dsn, PARLEY_E2E_ROOT: root} = process.env;
  if (dsn && root) return {root, dsn: await Cluster.createDatabaseOn(dsn)};
  ownCluster ??= Cluster.start({stopAtExit: true});
  const cluster = await ownCluster;
  return {root: cluster.root, dsn: await cluster.createDatabase()};
}

function gatewayYaml({server = '', files = '', extra = ''}) {
  const indent = (text) => text.split('\n').filter(Boolean).map((line) => `  ${line}\n`).join('');
  return 'server:\n' +
    '  listen: 127.0.0.1:0\n' +
    '  threads: 2\n' +
    '  shutdown_grace: 3s\n' +
    indent(server) +
    'database:\n' +
    '  dsn_env: PARLEY_DATABASE_DSN\n' +
    '  pool_size: 2\n' +
    'files:\n' +
    '  directory: files\n' +
    indent(files) +
    extra;
}

class Gateway {
  // Options: `server`, lines added to the server section (e.g. 'site_url: https://x.test');
  // `files`, lines added to the files section (e.g. 'max_file_size: 64KiB');
  // `extra`, whole sections appended (e.g. 'security:\n  enable_open_server: true\n').
  // Throws with parleyd's output when migrate or serve fails.
  static async start(options = {}) {
    const {root, dsn} = await newDatabase();
    const gateway = new Gateway(fs.mkdtempSync(path.join(root, 'gw-')), dsn);
    try {
      fs.writeFileSync(gateway.config, gatewayYaml(options));
      const migrated = await gateway.parleyd(['migrate']);
      if (migrated.code !== 0) throw new Error(`parleyd migrate failed:\n${migrated.stderr}`);
      await gateway.serve();
      return gateway;
    } catch (error) {
      await gateway.stop();
      throw error;
    }
  }

  // Another parleyd on this gateway's (already migrated) database, as a second node behind a
  // load balancer: its own directory, configuration, files and port. `options` as for start(),
  // e.g. {extra: 'cluster:\n  enabled: true\n'}. Stop it with stop() like any gateway.
  async startPeer(options = {}) {
    const peer = new Gateway(fs.mkdtempSync(path.join(path.dirname(this.dir), 'gw-')),
        this.env.PARLEY_DATABASE_DSN);
    try {
      fs.writeFileSync(peer.config, gatewayYaml(options));
      await peer.serve();
      return peer;
    } catch (error) {
      await peer.stop();
      throw error;
    }
  }

  constructor(dir, dsn) {
    this.dir = dir;
    this.config = path.join(dir, 'gateway.yaml');
    this.env = {...process.env, PARLEY_DATABASE_DSN: dsn};
    this.port = 0;
    this.server_ = null;  // {child, exited, log}
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  // A fresh Client4, as an application would make one, pointed at this gateway.
  client() {
    const client = new Client4();
    client.setUrl(this.url);
    return client;
  }

  // Runs `parleyd <args> --config <this gateway's config>` to completion.
  parleyd(args) {
    return run(parleydPath(), [...args, '--config', this.config], {env: this.env});
  }

  // `parleyd init-admin` with a password from a file; resolves with the command's result.
  initAdmin({username = 'admin', email = 'admin@localhost', password}) {
    const passwordFile = path.join(this.dir, 'admin-password');
    fs.writeFileSync(passwordFile, password, {mode: 0o600});
    return this.parleyd(['init-admin', '--username', username, '--email', email,
      '--password-file', passwordFile]);
  }

  // Starts `parleyd serve` and waits for its "listening" log line.
  serve() {
    const child = spawn('setpriv',
        ['--pdeathsig', 'KILL', '--', parleydPath(), 'serve', '--config', this.config],
        {cwd: this.dir, env: this.env, stdio: ['ignore', 'ignore', 'pipe']});
    const server = {child, log: ''};
    server.exited = new Promise((resolve) => child.once('close', (code, signal) => {
      server.exit = {code, signal};
      resolve(server.exit);
    }));
    this.server_ = server;
    return new Promise((resolve, reject) => {
      const fail = (why) => {
        clearTimeout(timer);
        reject(new Error(`parleyd serve ${why}:\n${server.log}`));
      };
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        fail(`did not listen within ${kStartTimeoutMs} ms`);
      }, kStartTimeoutMs);
      let pending = '';
      child.stderr.setEncoding('utf8').on('data', (chunk) => {
        server.log += chunk;
        pending += chunk;
        let newline;
        while ((newline = pending.indexOf('\n')) >= 0) {
          const line = pending.slice(0, newline);
          pending = pending.slice(newline + 1);
          const port = listeningPort(line);
          if (port && !this.port) {
            this.port = port;
            clearTimeout(timer);
            resolve();
          }
        }
      });
      child.once('error', (error) => fail(`could not start: ${error.message}`));
      server.exited.then((exit) => {
        if (!this.port) {
          fail(`exited before listening (${JSON.stringify(exit)})`);
        } else if (!server.stopping) {
          // A test then fails on refused connections: say why, with what parleyd said last.
          const tail = server.log.trimEnd().split('\n').slice(-40).join('\n');
          console.error(`parleyd serve exited on its own (${JSON.stringify(exit)}); its last ` +
            `log lines:\n${tail}`);
        }
      });
    });
  }

  // Everything the running (or last) parleyd serve wrote to stderr: its JSON log.
  log() {
    return this.server_ ? this.server_.log : '';
  }

  // Stops serve with SIGTERM (SIGKILL after a while) and resolves with {code, signal}; the
  // database and the files stay, so serve() can start it again on them.
  async shutdown() {
    const server = this.server_;
    if (!server) return null;
    this.port = 0;
    server.stopping = true;
    if (!server.exit) {
      server.child.kill('SIGTERM');
      const timer = setTimeout(() => server.child.kill('SIGKILL'), kStopTimeoutMs);
      await server.exited;
      clearTimeout(timer);
    }
    return server.exit;
  }

  // SIGKILL, as a crash or power loss would stop it: nothing is flushed or said goodbye to.
  // The database and the files stay, so serve() can start it again on them.
  async kill() {
    const server = this.server_;
    server.stopping = true;
    server.child.kill('SIGKILL');
    const exit = await server.exited;
    if (exit.signal !== 'SIGKILL') {
      throw new Error(`parleyd serve ended before the SIGKILL (${JSON.stringify(exit)})`);
    }
    this.port = 0;
    return exit;
  }

  // The same gateway again: shutdown, then serve on the same database (a new port).
  async restart() {
    const exit = await this.shutdown();
    if (!exit || exit.code !== 0) {
      throw new Error(`parleyd serve did not stop cleanly (${JSON.stringify(exit)}):\n${this.log()}`);
    }
    await this.serve();
  }

  // Shuts down and removes the gateway's directory. Safe to call more than once.
  async stop() {
    await this.shutdown();
    this.server_ = null;
    fs.rmSync(this.dir, {recursive: true, force: true});
  }
}

function listeningPort(line) {
  try {
    const entry = JSON.parse(line);
    return entry.msg === 'listening' && Number.isInteger(entry.port) ? entry.port : 0;
  } catch {
    return 0;  // not every line needs to be ours to parse
  }
}

module.exports = {Gateway};
