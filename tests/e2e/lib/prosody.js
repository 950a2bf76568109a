'use strict';
// A real Prosody (the Debian package's /usr/bin/prosody) for an e2e test, started by the test in
// a temporary directory, never as a system service (reference xmpp.md §10): a generated config
// with loopback-only c2s and component ports picked free, plaintext logins, the virtual host
// "localhost" with the users asked for (registered with prosodyctl) and one XEP-0114 component
// domain for parleyd's XMPP bridge.
//
//   const prosody = await Prosody.start({users: [['alice', 'alicepass']]});
//   prosody.c2sPort / prosody.componentPort / prosody.componentDomain / prosody.componentSecret
//   await prosody.stop();      // in after(): SIGTERM, SIGKILL after 5 s; start() brings it back
//
// Prosody runs under `setpriv --pdeathsig KILL` in the foreground (-F), so the pid is the
// server's and it dies with the test process whatever happens to that.

const {spawn} = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const {run} = require('./process');

const kStartTimeoutMs = 30_000;
const kStopTimeoutMs = 5_000;

// A port nothing listens on now (bound to 0 and released).
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const {port} = server.address();
      server.close(() => resolve(port));
    });
  });
}

function acceptsConnections(port) {
  return new Promise((resolve) => {
    const socket = net.connect({host: '127.0.0.1', port});
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const lua = (text) => JSON.stringify(String(text));  // a Lua string literal for plain text

class Prosody {
  // Options: `users`, [localpart, password] pairs on "localhost"; `componentDomain`;
  // `componentSecret`.
  static async start({users = [], componentDomain = 'mattermost.localhost',
    componentSecret = 'component-secret'} = {}) {
    const root = process.env.PARLEY_E2E_ROOT || os.tmpdir();
    const prosody = new Prosody(fs.mkdtempSync(path.join(root, 'prosody-')), componentDomain,
        componentSecret);
    prosody.c2sPort = await freePort();
    prosody.componentPort = await freePort();
    fs.mkdirSync(path.join(prosody.dir, 'data'));
    fs.writeFileSync(prosody.config, prosody.renderConfig());
    for (const [user, password] of users) {
      const result = await run('/usr/bin/prosodyctl',
          ['--config', prosody.config, 'register', user, 'localhost', password]);
      if (result.code !== 0) {
        throw new Error(`prosodyctl register ${user} failed:\n${result.stdout}${result.stderr}`);
      }
    }
    await prosody.start();
    return prosody;
  }

  constructor(dir, componentDomain, componentSecret) {
    this.dir = dir;
    this.config = path.join(dir, 'prosody.cfg.lua');
    this.componentDomain = componentDomain;
    this.componentSecret = componentSecret;
    this.child = null;
    this.exited = null;
  }

  renderConfig() {
    const isRoot = typeof process.geteuid === 'function' && process.geteuid() === 0;
    return [
      // Prosody refuses to run as root unless told; CI containers often are root.
      `run_as_root = ${isRoot}`,
      `pidfile = ${lua(path.join(this.dir, 'prosody.pid'))}`,
      `data_path = ${lua(path.join(this.dir, 'data'))}`,
      `certificates = ${lua(this.dir)}`,
      `log = { { levels = { min = "info" }, to = "file", filename = ${lua(this.logFile)} } }`,
      'interfaces = { "127.0.0.1" }',
      'local_interfaces = { "127.0.0.1" }',
      'component_interfaces = { "127.0.0.1" }',
      `c2s_ports = { ${this.c2sPort} }`,
      `component_ports = { ${this.componentPort} }`,
      'c2s_direct_tls_ports = { }',
      's2s_ports = { }',
      'c2s_require_encryption = false',
      'allow_unencrypted_plain_auth = true',
      'authentication = "internal_hashed"',
      'storage = "internal"',
      'modules_enabled = { "roster", "saslauth", "disco", "ping", "time", "version" }',
      'modules_disabled = { "s2s", "offline" }',
      'VirtualHost "localhost"',
      `Component ${lua(this.componentDomain)}`,
      `  component_secret = ${lua(this.componentSecret)}`,
      '',
    ].join('\n');
  }

  get logFile() {
    return path.join(this.dir, 'prosody.log');
  }

  log() {
    return fs.existsSync(this.logFile) ? fs.readFileSync(this.logFile, 'utf8') : '';
  }

  // Starts the server (again, after stop()) on its ports and waits until both accept.
  async start() {
    if (this.child) return;
    for (const port of [this.c2sPort, this.componentPort]) {
      if (await acceptsConnections(port)) {
        throw new Error(`port ${port} is already taken; Prosody was not started`);
      }
    }
    const child = spawn('setpriv',
        ['--pdeathsig', 'KILL', '--', '/usr/bin/prosody', '--config', this.config, '-F'],
        {cwd: this.dir, stdio: ['ignore', 'ignore', 'ignore']});
    this.child = child;
    this.exited = new Promise((resolve) => child.once('close', (code, signal) => {
      this.child = null;
      resolve({code, signal});
    }));
    const deadline = Date.now() + kStartTimeoutMs;
    while (Date.now() < deadline) {
      if (!this.child) throw new Error(`Prosody exited at start:\n${this.log()}`);
      if (await acceptsConnections(this.c2sPort) && await acceptsConnections(this.componentPort)) {
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await this.stop();
    throw new Error(`Prosody did not listen within ${kStartTimeoutMs} ms:\n${this.log()}`);
  }

  async stop() {
    const child = this.child;
    if (!child) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), kStopTimeoutMs);
    await this.exited;
    clearTimeout(timer);
  }

  // The bridges.xmpp section of a gateway.yaml that connects parleyd to this server; the
  // secret goes in through the environment variable PARLEY_XMPP_SECRET (see gatewayEnv()).
  gatewayBridgeYaml({history = 20, maxStanzaSize = '64KiB'} = {}) {
    return 'bridges:\n' +
      '  xmpp:\n' +
      '    enabled: true\n' +
      `    domain: ${this.componentDomain}\n` +
      '    server_host: 127.0.0.1\n' +
      `    server_port: ${this.componentPort}\n` +
      '    secret_env: PARLEY_XMPP_SECRET\n' +
      '    reconnect_min: 100ms\n' +
      '    reconnect_max: 1s\n' +
      `    max_stanza_size: ${maxStanzaSize}\n` +
      `    history: ${history}\n`;
  }

  gatewayEnv() {
    return {PARLEY_XMPP_SECRET: this.componentSecret};
  }
}

module.exports = {Prosody};
