'use strict';
// The XMPP relay benchmark (issue 6), run by bench/xmpp/run: what Parley adds to a message that
// crosses it, next to the same messages between two XMPP clients through Prosody alone.
//
// One real Prosody (tests/e2e/lib/prosody.js) with two users, xena and yuri; one parleyd (the
// binary in $PARLEY_BIN) on a private PostgreSQL cluster, its XMPP component connected to that
// Prosody, and a Mattermost channel linked to the room town-square@<component>. Both XMPP users
// join the room; a Mattermost user (alice) posts and reads events on a WebSocket.
//
//   baseline  xena -> yuri, a one-to-one chat through Prosody alone (c2s -> c2s)
//   muc       yuri -> xena, a groupchat in a room of Prosody's own MUC service (mod_muc with
//             muc_mam, as the e2e Prosody runs it): the same room traffic as the relay paths
//             (the message reflected to both occupants, archived), through Prosody alone
//   mm->xmpp  alice's POST /api/v4/posts -> parleyd -> outbox -> component -> Prosody -> xena
//   mm->xmpp http  the same POST from node's own http module (kept-alive connections, the
//             request @mattermost/client makes): the path without the official client's cost
//   mm->xmpp wrk  bursts only: the same POSTs made by wrk, a C client (bench/posts uses it):
//             the path without node's HTTP client, which costs about what parleyd does a post
//   xmpp->mm  yuri's groupchat -> Prosody -> component -> parleyd -> post -> alice's WebSocket
//
// Ratios are to the baseline, and the relay paths' also to muc. Every local action and both
// directions are permitted, with the guard deciding every crossing
// as in production.
//
// Latency: --latency messages one at a time per path (send, wait for arrival, next), the three
// paths alternating in --rounds rounds so that machine noise lands on all of them. Throughput,
// two ways, from the first send to the last arrival, arrival order checked where one sender
// sends in order:
//   burst   --burst messages handed in as fast as each path takes them: the XMPP clients write
//           them back to back on their stream, the POSTs go --concurrency at a time (HTTP
//           answers one request at a time per connection); with each burst, how busy the
//           machine was and each process's CPU per message (the bench's client too), which
//           say whether the rate was the relay's or the machine's;
//   window  --burst messages with exactly --window of them in flight on every path (a message
//           is sent when an earlier one arrived): the same concurrency on all three paths.
//   drain   mm->xmpp without the POSTs in the way: --burst posts made one by one while the bench
//           holds the link's drain lock (as another node that drains it would), then the lock
//           released; the relay's own rate from the first arrival to the last, order checked.
// Every socket the bench opens, and Prosody's, sends at once (TCP_NODELAY), as parleyd's do.
// Prints a table and writes --json.
//
// --pgstats FILE (bench/xmpp/run loads pg_stat_statements for it) profiles the database work of
// a crossing instead: for each relay path, --latency messages one at a time, then a burst of
// --burst, each with the statistics reset before; what PostgreSQL executed for them (calls per
// message, mean and total time per statement, how often each was planned and the planning's
// time, transactions; round trips as parleyd counts them) is printed and written to FILE.
//
// --perf FILE records a CPU profile of parleyd (perf record, DWARF call graphs) during the last
// round's burst of --perf-path (default 'mm->xmpp http').
//
// --paths 'xmpp->mm,...' measures only those relay paths (beside baseline and muc, always);
// --burst 0 only the latency: a focused comparison of two builds takes more samples per path in
// the same time.

const {execFileSync, spawn} = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const {performance} = require('node:perf_hooks');

const {Arrivals, summary} = require(path.join(__dirname, '..', 'lib', 'arrivals'));

const e2e = path.join(__dirname, '..', '..', 'tests', 'e2e');
const {Gateway} = require(path.join(e2e, 'lib', 'gateway'));
const {openXmppBundle, policyFile} = require(path.join(e2e, 'lib', 'policy_enforcement'));
const {Prosody} = require(path.join(e2e, 'lib', 'prosody'));
const {RawSocket} = require(path.join(e2e, 'lib', 'websocket'));
const {buildWorld} = require(path.join(e2e, 'lib', 'world'));
const {XmppUser, xml} = require(path.join(e2e, 'lib', 'xmpp'));

const kDomain = 'mattermost.localhost';
const kRoom = `town-square@${kDomain}`;
const kMucRoom = 'town-square@conference.localhost';

function parseArgs(argv) {
  const options = {latency: 200, burst: 1000, rounds: 2, concurrency: 16, window: 16,
    json: path.join(__dirname, '..', '..', 'build', 'bench', 'xmpp.json'), pgstats: '', perf: '',
    perfPath: 'mm->xmpp http', paths: ''};
  const texts = ['json', 'pgstats', 'perf', 'perfPath', 'paths'];
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '').replace(/-(\w)/g, (_, c) => c.toUpperCase());
    if (!(key in options) || i + 1 >= argv.length) throw new Error(`unknown option ${argv[i]}`);
    options[key] = texts.includes(key) ? argv[i + 1] : Number(argv[i + 1]);
  }
  return options;
}

// An XMPP user whose message bodies are recorded as they arrive (and not kept otherwise: a
// burst must not pile up in XmppUser's list).
function recordBodies(user, arrivals, type) {
  user.connection.on('stanza', (stanza) => {
    if (stanza.is('message') && stanza.attrs.type === type) {
      const body = stanza.getChildText('body');
      if (body && body.startsWith('bench-')) arrivals.record(body);
    }
  });
  setInterval(() => { user.stanzas.length = 0; }, 1000).unref();
}

async function joinWhenHosted(user, nick, room = kRoom) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const sequence = await user.join(room, nick, 0);
    if (!sequence.some((s) => s.attrs.type === 'error')) return;
    if (Date.now() > deadline) throw new Error(`${nick} could not join ${room}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

// Hands `texts` to path `p` as fast as it takes them. The XMPP clients write them back to back
// on their stream; a client's posts are answered one by one per connection: `concurrency` in
// flight, each worker sending its share in order (the channel order is the commit order).
async function sendBurst(name, p, texts, concurrency) {
  if (!p.answered) {
    for (const text of texts) p.send(text);
    return;
  }
  let next = 0;
  const worker = async () => {
    while (next < texts.length) await p.send(texts[next++]);
  };
  await Promise.all(Array.from({length: concurrency}, worker));
}

// The POSTs of a burst made by wrk (a C client, as bench/posts uses) instead of node: `texts`
// are prefix + 0, 1, ... in order, `concurrency` connections on one thread, each sending its
// next post when the last is answered. Resolves with wrk's own CPU time (ms) once every post is
// answered; rejects when one was not 201.
function wrkPosts(url, token, channelId, texts, concurrency) {
  const prefix = texts[0].slice(0, -1);
  if (!texts.every((text, i) => text === prefix + String(i))) throw new Error('wrk: texts');
  const script = path.join(os.tmpdir(), `relay-wrk-${process.pid}.lua`);
  fs.writeFileSync(script, `
local prefix, count, sent, answered, checked = nil, 0, 0, 0, false
function init(args) prefix = args[1]; count = tonumber(args[2]) end
function request()
  -- wrk builds one request to check the script before the run (never sent); and a connection
  -- asks again before the last answers are in: both get a ping.
  if not checked or sent >= count then
    checked = true
    return wrk.format("GET", "/api/v4/system/ping")
  end
  local body = '{"channel_id":"${channelId}","message":"' .. prefix .. sent .. '"}'
  sent = sent + 1
  return wrk.format("POST", "/api/v4/posts", {["Authorization"] = "Bearer ${token}",
    ["Content-Type"] = "application/json", ["X-Requested-With"] = "XMLHttpRequest"}, body)
end
function response(status)
  if status == 200 then return end  -- a ping's
  answered = answered + 1
  if answered >= count then
    wrk.thread:stop()
    io.write("relay-wrk answered\\n")
    io.flush()
  end
end
function done(summary)
  io.write(string.format("relay-wrk %d %d\\n", summary.requests, summary.errors.status))
end
`);
  // wrk's main thread sleeps out -d unless interrupted: told that every post was answered, this
  // takes wrk's CPU time (from /proc: the thread that did the work has stopped) and interrupts
  // it, and wrk prints its summary. Not spawnSync: the arrivals are recorded by this process
  // meanwhile.
  const wrk = spawn('wrk', ['-t1', `-c${concurrency}`, '-d120s', '-s', script, url, '--', prefix,
    String(texts.length)]);
  let stdout = '';
  let stderr = '';
  let cpuMs = NaN;
  wrk.stderr.on('data', (chunk) => { stderr += chunk; });
  wrk.stdout.on('data', (chunk) => {
    stdout += chunk;
    if (Number.isNaN(cpuMs) && stdout.includes('relay-wrk answered')) {
      setTimeout(() => {
        const fields = fs.readFileSync(`/proc/${wrk.pid}/stat`, 'utf8').split(') ')[1].split(' ');
        cpuMs = (Number(fields[11]) + Number(fields[12])) * 10;
        wrk.kill('SIGINT');
      }, 20);
    }
  });
  return new Promise((resolve, reject) => wrk.on('close', () => {
    fs.rmSync(script, {force: true});
    const report = /relay-wrk (\d+) (\d+)/.exec(stdout);
    if (Number.isNaN(cpuMs) || !report || Number(report[2]) !== 0) {
      return reject(new Error(`wrk: ${stdout} ${stderr}`));
    }
    resolve(cpuMs);
  }));
}

// --perf: a CPU profile of parleyd (process `pid`) written to `file` by `perf record` with DWARF
// call graphs (parleyd is built without frame pointers), from now until stop() resolves; for
// `perf report -i file` or `perf script`. 499 samples a second: perf itself takes a share of
// the 2 cores, which lowers that burst's rate.
async function startPerf(file, pid) {
  const perf = spawn('perf', ['record', '-F', '499', '--call-graph', 'dwarf,16384', '-p',
    String(pid), '-o', file], {stdio: 'ignore'});
  const closed = new Promise((resolve) => perf.on('close', resolve));
  await new Promise((resolve) => setTimeout(resolve, 500));  // perf attached
  return {stop: async () => { perf.kill('SIGINT'); await closed; }};
}

// A request with node's http module on `agent`; resolves when the whole answer is read,
// rejects on a status other than `expect`.
function rawRequest(url, agent, {method = 'GET', headers = {}, body = null, expect = 200} = {}) {
  return new Promise((resolve, reject) => {
    const request = http.request(url, {agent, method, headers}, (response) => {
      response.resume();
      response.on('end', () => (response.statusCode === expect ? resolve() :
        reject(new Error(`${method} ${url}: ${response.statusCode}`))));
    });
    request.on('error', reject);
    request.end(body);
  });
}

// SQL on the gateway's database; rows as arrays of text.
function psql(gateway, sql) {
  const out = execFileSync('psql', [gateway.env.PARLEY_DATABASE_DSN, '-XAtq', '-F', '\t', '-c',
    sql], {encoding: 'utf8'});
  return out.split('\n').filter((line) => line !== '').map((line) => line.split('\t'));
}

// CPU time (ms, user + system) of the processes that relay: parleyd, the cluster's PostgreSQL
// server processes (the postmaster's children: the backends, the WAL writer, ...) and Prosody,
// from /proc (10 ms ticks: enough over hundreds of messages).
function cpuTimes(gateway, prosody) {
  const ticks = (pid) => {
    try {
      const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return {ppid: Number(fields[1]), ms: (Number(fields[11]) + Number(fields[12])) * 10};
    } catch {
      return {ppid: 0, ms: 0};  // gone meanwhile
    }
  };
  const pidFile = path.join(path.dirname(gateway.dir), 'pg', 'data', 'postmaster.pid');
  const postmaster = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
  let postgres = 0;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = ticks(entry);
    if (Number(entry) === postmaster || stat.ppid === postmaster) postgres += stat.ms;
  }
  return {parleyd: ticks(gateway.server_.child.pid).ms, postgres,
    prosody: ticks(prosody.child.pid).ms};
}

// What the machine as a whole spent, in ms over all cores, from /proc/stat's first line (user,
// nice, system, idle, iowait, irq, softirq, steal; 10 ms ticks): busy, and busy plus idle.
function machineTimes() {
  const ticks = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/)
      .slice(1, 9).map(Number);
  const all = ticks.reduce((a, b) => a + b, 0);
  return {busy: (all - ticks[3] - ticks[4]) * 10, all: all * 10};
}

// A burst's cost: the share of the machine that was busy while it ran, and each process's CPU
// per message, the bench's own client included. When the machine is busy throughout, the
// burst's rate is what the four processes' CPU per message allow on this many cores.
function burstCost(gateway, prosody) {
  const start = {processes: cpuTimes(gateway, prosody), bench: process.cpuUsage(),
    machine: machineTimes()};
  return (messages) => {
    const processes = cpuTimes(gateway, prosody);
    const bench = process.cpuUsage(start.bench);
    const machine = machineTimes();
    const perMessage = Object.fromEntries(Object.keys(processes).map((name) =>
      [name, (processes[name] - start.processes[name]) / messages]));
    perMessage.bench = (bench.user + bench.system) / 1000 / messages;
    return {machineBusy: (machine.busy - start.machine.busy) /
      Math.max(1, machine.all - start.machine.all), cpuMsPerMessage: perMessage};
  };
}

// parleyd's count of its database workers' round trips (a pipeline is one: a transaction's
// BEGIN and its deferred writes travel with the statement after them); NaN from a build older
// than the count (f1b6c55).
async function roundTrips(gateway) {
  const text = await (await fetch(`${gateway.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('parley_db_round_trips '));
  return line ? Number(line.split(' ')[1]) : NaN;
}

// What PostgreSQL executed for `messages` messages since the last reset, per statement, most
// time first; `trips`: parleyd's round trips for them.
function statementProfile(gateway, messages, cpuBefore, cpuAfter, trips) {
  const rows = psql(gateway, 'SELECT calls, total_exec_time, mean_exec_time, rows, plans,' +
    ' total_plan_time,' +
    " regexp_replace(query, '\\s+', ' ', 'g') FROM pg_stat_statements" +
    ' WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())' +
    " AND query NOT LIKE '%pg_stat_statements%' ORDER BY total_exec_time DESC");
  const statements = rows.map(([calls, total, mean, count, plans, planMs, query]) => ({
    calls: Number(calls), perMessage: Number(calls) / messages, totalMs: Number(total),
    meanMs: Number(mean), rows: Number(count), plans: Number(plans), planMs: Number(planMs),
    query}));
  const sum = (key) => statements.reduce((a, s) => a + s[key], 0);
  const callsOf = (pattern) => statements.filter((s) => pattern.test(s.query))
      .reduce((a, s) => a + s.calls, 0);
  const commits = callsOf(/^(COMMIT|END)\b/i);
  const cpuMsPerMessage = Object.fromEntries(Object.keys(cpuAfter).map((name) =>
    [name, (cpuAfter[name] - cpuBefore[name]) / messages]));
  return {messages, cpuMsPerMessage, statementsPerMessage: sum('calls') / messages,
    roundTripsPerMessage: trips / messages,
    msPerMessage: sum('totalMs') / messages, planMsPerMessage: sum('planMs') / messages,
    plansPerMessage: sum('plans') / messages, transactionsPerMessage: commits / messages,
    statements};
}

function printProfile(name, profile) {
  console.log(`${name}: ${profile.messages} messages, ` +
    `${profile.statementsPerMessage.toFixed(1)} statements in ` +
    `${profile.roundTripsPerMessage.toFixed(1)} round trips (BEGIN and deferred writes travel ` +
    'with the statement after them) and ' +
    `${profile.transactionsPerMessage.toFixed(2)} transactions per message, ` +
    `${profile.msPerMessage.toFixed(3)} ms of execution and ` +
    `${profile.plansPerMessage.toFixed(1)} plans in ${profile.planMsPerMessage.toFixed(3)} ms ` +
    'per message; CPU ms per message: ' +
    Object.entries(profile.cpuMsPerMessage).map(([name, ms]) => `${name} ${ms.toFixed(2)}`)
        .join(', '));
  console.log('  calls/msg   mean ms  total ms  plans/call  plan ms  statement');
  for (const s of profile.statements.slice(0, 40)) {
    console.log(`  ${s.perMessage.toFixed(2).padStart(9)}  ${s.meanMs.toFixed(3).padStart(8)}` +
      `  ${s.totalMs.toFixed(1).padStart(8)}  ${(s.plans / s.calls).toFixed(2).padStart(10)}` +
      `  ${s.planMs.toFixed(1).padStart(7)}  ${s.query.slice(0, 120)}`);
  }
}

// One psql session of its own (a session advisory lock lives as long as it): query() resolves
// with the first line each statement prints.
class SqlSession {
  constructor(gateway) {
    this.child = spawn('psql', [gateway.env.PARLEY_DATABASE_DSN, '-XAtq'],
        {stdio: ['pipe', 'pipe', 'inherit']});
    this.lines = [];
    this.waiters = [];
    let buffer = '';
    this.child.stdout.on('data', (data) => {
      buffer += data.toString();
      let end;
      while ((end = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 1);
        const waiter = this.waiters.shift();
        if (waiter) waiter(line); else this.lines.push(line);
      }
    });
  }

  query(sql) {
    this.child.stdin.write(`${sql};\n`);
    if (this.lines.length) return Promise.resolve(this.lines.shift());
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  close() {
    this.child.stdin.end();
  }
}

// Takes the drain lock of link `linkId` from the drainer: its session is ended (its pool
// reconnects) until this session holds the lock.
async function takeDrainLock(session, linkId) {
  const held = `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = 7342 AND ` +
    `objsubid = 2 AND objid = (hashtext('${linkId}')::bigint & 4294967295)::oid`;
  for (;;) {
    await session.query(`SELECT count(pg_terminate_backend(pid)) FROM (${held}) AS h`);
    if (await session.query(`SELECT pg_try_advisory_lock(7342, hashtext('${linkId}'))`) === 't') {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const prosody = await Prosody.start({users: [['xena', 'xenapass'], ['yuri', 'yuripass']],
    nagle: false, muc: true});
  process.env.PARLEY_XMPP_SECRET = prosody.componentSecret;
  const policy = policyFile(openXmppBundle('bench-xmpp'));
  const quiet = 'limits:\n  requests_per_second: 0\nlogging:\n  level: info\n' +
    '  access_log: false\n';
  let gateway = null;
  const users = [];
  let socket = null;
  try {
    gateway = await Gateway.start({extra: prosody.gatewayBridgeYaml({history: 0}) + policy.extra +
      quiet});
    const world = await buildWorld(gateway, {
      users: {alice: 'system_user'},
      teams: {ops: ['admin', 'alice']},
      channels: {town: {team: 'ops', name: 'town-square', members: ['admin', 'alice']}},
    });
    fs.appendFileSync(gateway.config,
        'links:\n  - {channel: ops/town-square, bridge: xmpp, remote: town-square}\n');
    await gateway.restart();

    const xena = await XmppUser.login(prosody, 'xena', 'xenapass', 'bench', {noDelay: true});
    const yuri = await XmppUser.login(prosody, 'yuri', 'yuripass', 'bench', {noDelay: true});
    users.push(xena, yuri);
    await joinWhenHosted(xena, 'xena');
    await joinWhenHosted(yuri, 'yuri');
    await joinWhenHosted(xena, 'xena', kMucRoom);
    await joinWhenHosted(yuri, 'yuri', kMucRoom);
    const atXena = new Arrivals();
    const atYuri = new Arrivals();
    const atAlice = new Arrivals();
    recordBodies(xena, atXena, 'groupchat');
    recordBodies(yuri, atYuri, 'chat');
    socket = await RawSocket.open(gateway, {token: world.users.alice.token});
    socket.ws.on('message', (data) => {
      const message = JSON.parse(data.toString());
      if (message.event === 'posted') {
        const post = JSON.parse(message.data.post);
        if (post.message.startsWith('bench-')) atAlice.record(post.message);
      }
    });
    setInterval(() => { socket.events.items.length = 0; socket.events.consumed = 0; }, 1000)
        .unref();
    const alice = world.client('alice');
    const channelId = world.channels.town;
    const postAgent = new http.Agent({keepAlive: true, maxSockets: options.concurrency});
    const postHeaders = {'Authorization': `Bearer ${world.users.alice.token}`,
      'Content-Type': 'application/json', 'X-Requested-With': 'XMLHttpRequest'};

    // One message on each path: `send` starts it, `arrivals` sees it arrive; the texts carry `tag`
    // (plain letters: nothing the translation between markdown and XEP-0393 would change).
    const paths = {
      'baseline': {
        send: (text) => xena.send(xml('message', {type: 'chat', to: yuri.jid.replace(/\/.*/, ''),
          id: text}, xml('body', {}, text), xml('origin-id', {xmlns: 'urn:xmpp:sid:0', id: text}))),
        arrivals: atYuri,
        tag: 'base',
      },
      'muc': {
        send: (text) => yuri.send(xml('message', {type: 'groupchat', to: kMucRoom, id: text},
            xml('body', {}, text), xml('origin-id', {xmlns: 'urn:xmpp:sid:0', id: text}))),
        arrivals: atXena,
        tag: 'muc',
      },
      'mm->xmpp': {
        send: (text) => alice.createPost({channel_id: channelId, message: text}),
        arrivals: atXena,
        tag: 'm2x',
        answered: true,  // HTTP: one request at a time per connection
      },
      'mm->xmpp http': {
        send: (text) => rawRequest(gateway.url + '/api/v4/posts', postAgent, {method: 'POST',
          headers: postHeaders, body: JSON.stringify({channel_id: channelId, message: text}),
          expect: 201}),
        arrivals: atXena,
        tag: 'm2xh',
        answered: true,
      },
      'xmpp->mm': {
        // Every real client gives its messages an id (Parley de-duplicates with it).
        send: (text) => yuri.send(xml('message', {type: 'groupchat', to: kRoom, id: text},
            xml('body', {}, text), xml('origin-id', {xmlns: 'urn:xmpp:sid:0', id: text}))),
        arrivals: atAlice,
        tag: 'x2m',
      },
    };

    // What --paths leaves measured (the drain, a path of its own, goes with mm->xmpp).
    const wanted = options.paths ? ['baseline', 'muc', ...options.paths.split(',')] : null;
    const unknown = (wanted ?? []).filter((name) => !(name in paths) && name !== 'mm->xmpp wrk');
    if (unknown.length) throw new Error(`--paths: no path ${unknown.join(', ')}`);
    const measured = (all) => Object.fromEntries(Object.entries(all).filter(([name]) =>
      !wanted || wanted.includes(name)));

    // Warm-up: a few messages on every path, not counted.
    for (const [name, p] of Object.entries(paths)) {
      for (let i = 0; i < 10; ++i) {
        const text = `bench-warm-${p.tag}-${i}`;
        const sent = p.send(text);
        await p.arrivals.waitFor(text);
        await sent;
      }
    }

    if (options.pgstats) {
      psql(gateway, 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
      const profiles = {};
      for (const name of Object.keys(paths)) {
        const p = paths[name];
        psql(gateway, 'SELECT pg_stat_statements_reset()');
        let cpu = cpuTimes(gateway, prosody);
        let trips = await roundTrips(gateway);
        for (let i = 0; i < options.latency; ++i) {
          const text = `bench-prof-${p.tag}-${i}`;
          const sent = p.send(text);
          await p.arrivals.waitFor(text);
          await sent;
        }
        profiles[`${name} one at a time`] = statementProfile(gateway, options.latency, cpu,
            cpuTimes(gateway, prosody), await roundTrips(gateway) - trips);
        psql(gateway, 'SELECT pg_stat_statements_reset()');
        cpu = cpuTimes(gateway, prosody);
        trips = await roundTrips(gateway);
        const texts = Array.from({length: options.burst}, (_, i) => `bench-profb-${p.tag}-${i}`);
        const all = Promise.all(texts.map((text) => p.arrivals.waitFor(text)));
        await sendBurst(name, p, texts, options.concurrency);
        await all;
        profiles[`${name} burst`] = statementProfile(gateway, options.burst, cpu,
            cpuTimes(gateway, prosody), await roundTrips(gateway) - trips);
      }
      for (const [name, profile] of Object.entries(profiles)) printProfile(name, profile);
      fs.mkdirSync(path.dirname(options.pgstats), {recursive: true});
      fs.writeFileSync(options.pgstats, JSON.stringify(profiles, null, 2));
      console.log(`written ${options.pgstats}`);
      return;
    }

    const latency = Object.fromEntries(Object.keys(measured(paths)).map((name) => [name, []]));
    if ('mm->xmpp' in latency) latency['mm->xmpp POST'] = [];
    latency['API ping'] = [];
    latency['raw ping'] = [];
    const perRound = Math.ceil(options.latency / options.rounds);
    const pingAgent = new http.Agent({keepAlive: true, maxSockets: 1});
    for (let round = 0; round < options.rounds; ++round) {
      for (const [name, p] of Object.entries(measured(paths))) {
        for (let i = 0; i < perRound; ++i) {
          const text = `bench-lat-${p.tag}-${round}-${i}`;
          const start = performance.now();
          const sent = p.send(text);
          if (name === 'mm->xmpp') {
            // The POST's own answer: the part of the path the API takes (the drainer is woken
            // by the same commit, so the message may arrive before the answer does).
            sent.then(() => latency['mm->xmpp POST'].push(performance.now() - start));
          }
          const at = await p.arrivals.waitFor(text);
          await sent;
          latency[name].push(at - start);
        }
      }
      // The floor of any API call from this client (GET /api/v4/system/ping: no database):
      // what of the POST's time is the client and the HTTP round trip.
      for (let i = 0; i < perRound; ++i) {
        const start = performance.now();
        await alice.ping();
        latency['API ping'].push(performance.now() - start);
      }
      // The same request from node's own HTTP client (one kept-alive connection, no fetch):
      // what of the API floor is the official client's.
      for (let i = 0; i < perRound; ++i) {
        const start = performance.now();
        await rawRequest(gateway.url + '/api/v4/system/ping', pingAgent);
        latency['raw ping'].push(performance.now() - start);
      }
    }

    // Bursts only: the same POSTs made by wrk, a C client, where node's HTTP client costs the
    // 2-core machine about as much CPU per post as parleyd does.
    const burstPaths = {...paths, 'mm->xmpp wrk': {
      sendAll: (texts) => wrkPosts(gateway.url, world.users.alice.token, channelId, texts,
          options.concurrency),
      arrivals: atXena,
      tag: 'm2xw',
      answered: true,
    }};
    const throughput = {};
    for (let round = 0; options.burst > 0 && round < options.rounds; ++round) {
      for (const [name, p] of Object.entries(measured(burstPaths))) {
        const prefix = `bench-burst-${p.tag}-${round}-`;
        const texts = Array.from({length: options.burst}, (_, i) => prefix + String(i));
        const perf = options.perf && name === options.perfPath && round === options.rounds - 1 ?
          await startPerf(options.perf, gateway.server_.child.pid) : null;
        const cost = burstCost(gateway, prosody);
        const start = performance.now();
        const all = Promise.all(texts.map((text) => p.arrivals.waitFor(text)));
        const clientMs = p.sendAll ? await p.sendAll(texts) :
          await sendBurst(name, p, texts, options.concurrency);
        const sent = performance.now();
        await all;
        const spent = cost(texts.length);
        if (perf) await perf.stop();
        if (p.sendAll) spent.cpuMsPerMessage.wrk = clientMs / texts.length;
        const end = Math.max(...texts.map((text) => p.arrivals.times.get(text)));
        const seconds = (end - start) / 1000;
        const order = p.arrivals.order(prefix);
        // How fast the messages could be handed in at all (for mm->xmpp: the POSTs answered).
        const sendSeconds = (sent - start) / 1000;
        (throughput[name] ??= []).push({messages: texts.length, seconds, sendSeconds,
          sendPerSecond: texts.length / sendSeconds, ...spent,
          perSecond: texts.length / seconds, complete: order.length === texts.length,
          inOrder: p.answered ? null : order.every((text, i) => text === texts[i])});
      }
    }

    // The same --window messages in flight on every path: each arrival lets the next one go.
    const windowed = {};
    for (let round = 0; options.burst > 0 && round < options.rounds; ++round) {
      for (const [name, p] of Object.entries(measured(paths))) {
        const prefix = `bench-window-${p.tag}-${round}-`;
        const texts = Array.from({length: options.burst}, (_, i) => prefix + String(i));
        const start = performance.now();
        let next = 0;
        const slot = async () => {
          while (next < texts.length) {
            const text = texts[next++];
            const sent = p.send(text);
            await p.arrivals.waitFor(text);
            await sent;
          }
        };
        await Promise.all(Array.from({length: options.window}, slot));
        const end = Math.max(...texts.map((text) => p.arrivals.times.get(text)));
        (windowed[name] ??= []).push({messages: texts.length, seconds: (end - start) / 1000,
          perSecond: texts.length / ((end - start) / 1000)});
      }
    }

    // The relay's own drain, mm->xmpp: the outbox filled first, then drained.
    const linkId = psql(gateway, "SELECT id FROM links WHERE bridge = 'xmpp'")[0][0];
    const drained = [];
    const drains = options.burst > 0 && (!wanted || wanted.includes('mm->xmpp'));
    for (let round = 0; drains && round < options.rounds; ++round) {
      const p = paths['mm->xmpp'];
      const prefix = `bench-drain-${round}-`;
      const texts = Array.from({length: options.burst}, (_, i) => prefix + String(i));
      const session = new SqlSession(gateway);
      await takeDrainLock(session, linkId);
      // One at a time: the outbox then holds them in the order of the texts (nothing is timed
      // until the lock is released).
      for (const text of texts) await p.send(text);
      const all = Promise.all(texts.map((text) => p.arrivals.waitFor(text)));
      const cpuBefore = cpuTimes(gateway, prosody);
      const released = performance.now();
      await session.query(`SELECT pg_advisory_unlock(7342, hashtext('${linkId}'))`);
      await all;
      const cpuAfter = cpuTimes(gateway, prosody);
      session.close();
      const times = texts.map((text) => p.arrivals.times.get(text));
      // Only the session holding a link's drain lock may send its rows (another node's, here).
      const early = times.filter((at) => at < released).length;
      if (early > 0) {
        throw new Error(`${early} of the drain's messages crossed while another session held ` +
          "the link's drain lock");
      }
      const seconds = (Math.max(...times) - Math.min(...times)) / 1000;
      drained.push({messages: texts.length, seconds,
        perSecond: (texts.length - 1) / seconds, msPerMessage: 1000 * seconds / (texts.length - 1),
        // Less noisy than the rate on a shared machine: what each process spent per message.
        cpuMsPerMessage: Object.fromEntries(Object.keys(cpuAfter).map((name) =>
          [name, (cpuAfter[name] - cpuBefore[name]) / texts.length])),
        inOrder: p.arrivals.order(prefix).every((text, i) => text === texts[i])});
    }

    const result = {date: new Date().toISOString(), options, latency: {}, throughput, windowed,
      drained};
    for (const [name, samples] of Object.entries(latency)) result.latency[name] = summary(samples);
    const fmt = (ms) => ms.toFixed(2);
    const relay = (name) => name !== 'baseline' && name !== 'muc';
    const {baseline: base, muc} = result.latency;
    console.log(`latency (ms), ${perRound * options.rounds} messages per path, one at a time:`);
    console.log('  path            p50     p99     max    added p50 / p99 over baseline, over muc');
    for (const [name, s] of Object.entries(result.latency)) {
      const over = (b) => `${fmt(s.p50 - b.p50)} / ${fmt(s.p99 - b.p99)}`;
      const added = ['baseline', 'mm->xmpp POST', 'API ping', 'raw ping'].includes(name) ? '' :
        relay(name) ? `${over(base)}, ${over(muc)}` : over(base);
      console.log(`  ${name.padEnd(14)} ${fmt(s.p50).padStart(6)}  ${fmt(s.p99).padStart(6)}  ` +
        `${fmt(s.max).padStart(6)}    ${added}`);
    }
    if (options.burst > 0) {
      // Mean rate of each path's runs, and its ratios to the baseline's and to muc's.
      // (`runsOf` is `into`: each path's list of runs becomes its summary.)
      const rates = (runsOf, into) => {
        const mean = (runs) => runs.reduce((a, r) => a + r.perSecond, 0) / runs.length;
        const base = mean(runsOf.baseline);
        const muc = mean(runsOf.muc);
        for (const [name, runs] of Object.entries(runsOf)) {
          into[name] = {runs, mean: mean(runs), ratioToBaseline: mean(runs) / base,
            ratioToMuc: mean(runs) / muc};
        }
        return into;
      };
      const ratios = (r, name) => `ratio ${r.ratioToBaseline.toFixed(2)}` +
        (relay(name) ? `, to muc ${r.ratioToMuc.toFixed(2)}` : '');
      console.log(`throughput (messages/s), bursts of ${options.burst}:`);
      for (const [name, r] of Object.entries(rates(throughput, result.throughput))) {
        console.log(`  ${name.padEnd(14)} ${r.runs.map((x) => x.perSecond.toFixed(0)).join(', ')}` +
          `  mean ${r.mean.toFixed(0)}  ${ratios(r, name)}` +
          `  (sent at ${r.runs.map((x) => x.sendPerSecond.toFixed(0)).join(', ')}/s)` +
          `${r.runs.every((x) => x.complete) ? '' : '  INCOMPLETE'}` +
          `${r.runs.some((x) => x.inOrder === false) ? '  OUT OF ORDER' : ''}`);
        const runs = (value) => r.runs.map(value).join(', ');
        console.log(`${''.padEnd(17)}machine busy ${runs((x) => `${(100 * x.machineBusy).toFixed(0)}%`)}` +
          '; CPU ms per message: ' + Object.keys(r.runs[0].cpuMsPerMessage).map((process) =>
          `${process} ${runs((x) => x.cpuMsPerMessage[process].toFixed(2))}`).join('; '));
      }
      console.log(`throughput (messages/s), ${options.burst} messages, ${options.window} in flight ` +
        'on every path:');
      for (const [name, r] of Object.entries(rates(windowed, result.windowed))) {
        console.log(`  ${name.padEnd(14)} ${r.runs.map((x) => x.perSecond.toFixed(0)).join(', ')}` +
          `  mean ${r.mean.toFixed(0)}  ${ratios(r, name)}`);
      }
    }
    if (drained.length) {
      console.log(`mm->xmpp drain of an outbox of ${options.burst} (the relay alone, no POSTs):`);
      const drainMean = drained.reduce((a, r) => a + r.perSecond, 0) / drained.length;
      console.log(`  ${drained.map((r) => r.perSecond.toFixed(0)).join(', ')} msgs/s` +
        `  mean ${drainMean.toFixed(0)}  ratio to the baseline burst ` +
        `${(drainMean / result.throughput.baseline.mean).toFixed(2)}, to muc's ` +
        `${(drainMean / result.throughput.muc.mean).toFixed(2)}` +
        `  (${drained.map((r) => r.msPerMessage.toFixed(2)).join(', ')} ms per message)` +
        `${drained.every((r) => r.inOrder) ? '' : '  OUT OF ORDER'}`);
      console.log('  CPU ms per message: ' + Object.keys(drained[0].cpuMsPerMessage).map((name) =>
        `${name} ${drained.map((r) => r.cpuMsPerMessage[name].toFixed(2)).join(', ')}`).join('; '));
    }
    fs.mkdirSync(path.dirname(options.json), {recursive: true});
    fs.writeFileSync(options.json, JSON.stringify(result, null, 2));
    console.log(`written ${options.json}`);
  } finally {
    socket?.terminate();
    for (const user of users) await user.stop();
    await gateway?.stop();
    await prosody.stop();
  }
}

main().then(() => process.exit(0), (error) => {
  console.error(error);
  process.exit(1);
});
