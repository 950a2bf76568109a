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
// With `upload: {sizeLimit}` it also runs an XEP-0363 upload service (mod_http_file_share) on
// "upload.localhost", served over plain http on loopback (prosody.httpPort): the URLs it hands
// out are http://127.0.0.1:<httpPort>/file_share/...
//
// With `muc: true` it also runs the server's own MUC service "conference.localhost" (mod_muc
// with muc_mam: the rooms stamp stanza-ids and answer XEP-0313; rooms are usable at once, no
// 201 lock, and persistent, so they outlive a restart of the server), the partner room of
// the XMPP bridge's second mode.
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
  // `componentSecret`; `nagle: false` turns Nagle's algorithm off on every connection Prosody
  // accepts (network_settings; Prosody leaves it on by default).
  static async start({users = [], componentDomain = 'mattermost.localhost',
    componentSecret = 'component-secret', upload = null, muc = false, nagle = true} = {}) {
    const root = process.env.PARLEY_E2E_ROOT || os.tmpdir();
    const prosody = new Prosody(fs.mkdtempSync(path.join(root, 'prosody-')), componentDomain,
        componentSecret);
    prosody.muc = muc;
    prosody.nagle = nagle;
    prosody.c2sPort = await freePort();
    prosody.componentPort = await freePort();
    if (upload) {
      prosody.upload = upload;
      prosody.httpPort = await freePort();
    }
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
    this.upload = null;
    this.httpPort = 0;
    this.muc = false;
    this.nagle = true;
  }

  // The server's MUC service (with `muc`).
  get mucDomain() {
    return 'conference.localhost';
  }

  // The XEP-0363 service's JID (with `upload`).
  get uploadDomain() {
    return 'upload.localhost';
  }

  // Lines of the upload service (mod_http_file_share on plain http, loopback only).
  renderUpload() {
    if (!this.upload) return [];
    return [
      `http_ports = { ${this.httpPort} }`,
      'http_interfaces = { "127.0.0.1" }',
      'https_ports = { }',
      'https_interfaces = { }',
      `http_external_url = ${lua(`http://127.0.0.1:${this.httpPort}/`)}`,
      // Requests name the host 127.0.0.1: they go to the upload service.
      `http_default_host = ${lua(this.uploadDomain)}`,
    ];
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
      ...(this.nagle ? [] : ['network_settings = { nagle = false }']),
      ...this.renderUpload(),
      'VirtualHost "localhost"',
      `Component ${lua(this.componentDomain)}`,
      `  component_secret = ${lua(this.componentSecret)}`,
      ...(this.muc ? [
        `Component ${lua(this.mucDomain)} "muc"`,
        '  modules_enabled = { "muc_mam" }',
        '  muc_room_locking = false',
        '  restrict_room_creation = false',
        '  muc_room_default_persistent = true',
        '  muc_log_by_default = true',
        '  muc_log_all_rooms = true',
        // mod_storage_internal keeps 10,000 items in an archive; past that, every message
        // stored makes muc_mam read the room's whole archive file to clean it, and the room
        // falls to about 100 messages a second (bench/xmpp/run's comparator after 10,000 of
        // them). A room's archive here grows without such a cliff, as the bridge's does.
        '  storage_archive_item_limit = 10000000',
      ] : []),
      ...(this.upload ? [
        `Component ${lua(this.uploadDomain)} "http_file_share"`,
        `  http_file_share_size_limit = ${Number(this.upload.sizeLimit || 1024 * 1024)}`,
      ] : []),
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
    const ports = [this.c2sPort, this.componentPort, ...(this.upload ? [this.httpPort] : [])];
    for (const port of ports) {
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
      let listening = true;
      for (const port of ports) listening = listening && await acceptsConnections(port);
      if (listening) return;
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
  // `attachments`: extra lines of the section (e.g. 'allow_http_urls: true\n').
  gatewayBridgeYaml({history = 20, maxStanzaSize = '64KiB', attachments = ''} = {}) {
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
      `    history: ${history}\n` +
      attachments.split('\n').filter(Boolean).map((line) => `    ${line}\n`).join('');
  }

  gatewayEnv() {
    return {PARLEY_XMPP_SECRET: this.componentSecret};
  }
}

module.exports = {Prosody, freePort};
