'use strict';
// The Matrix bridge benchmark (issue 7), run by bench/matrix/run: what parleyd's Application
// Service does with transactions from a homeserver, and how fast it sends to one, each beside a
// trivial peer measured in the same run.
//
// One parleyd (the binary in $PARLEY_BIN) on a private PostgreSQL cluster, its matrix bridge
// pointed at the e2e suite's fake homeserver (bench/matrix/homeserver.js: on a worker thread of
// its own), a channel `town-square` linked to a room of that homeserver by room id.
//
// Ingest (homeserver -> parleyd): this process plays the homeserver's AS push: it PUTs
// /_matrix/app/v1/transactions/{txnId} with the hs_token, --events m.text events per run, in
// transactions of each size of --sizes (e.g. 1 and 50 events), --in-flight transactions at a
// time (1 = Synapse: one transaction in flight per AS), events from 4 Matrix senders. parleyd
// answers 200 only once every event is committed as a post, so the transaction's time is its
// commit latency; events/s = events / (first PUT sent -> last answer). After each run the
// database must hold every event as exactly one post of the channel, in the order sent (with
// one transaction in flight). Baseline: the same PUTs, same order and concurrency, to nginx
// answering {} (the cheapest correct answer a homeserver can get).
//
// Outbound (parleyd -> homeserver): posts by a Mattermost user (POST /api/v4/posts) in the
// linked channel, which parleyd's outbox drainer sends to the room as the user's puppet (one
// send in flight per link, in order). Three measures:
//   one at a time  --latency posts, each sent when the previous one reached the homeserver:
//                  POST sent -> stored by the homeserver, and POST answered (the post and its
//                  outbox row are committed before the answer) -> stored;
//   drain          the homeserver holds the first send while --posts posts are made (16 POSTs
//                  at a time), so that the outbox holds them all; then it lets go: sent
//                  events/s from the release to the last one stored (the bridge's part alone:
//                  outbox read, egress decision and audit, send, outcome), and the time
//                  between consecutive sends p50/p99;
//   live           --posts posts made --concurrency at a time while the link sends: events/s
//                  from the first POST to the last event stored, and per post POST answered
//                  (committed) -> stored p50/p99.
// Baseline: a plain client (fetch, one keep-alive connection) making the same PUT
// /_matrix/client/v3/rooms/{room}/send/m.room.message/{txnId}?user_id=<the puppet> requests,
// with the content parleyd sent, to the same homeserver, one at a time (the drainer's
// concurrency on one link): per request sent -> stored, and events/s.
//
// Each measure alternates parleyd and its baseline in --rounds rounds. Prints tables and writes
// --json.

const assert = require('node:assert/strict');
const {spawn} = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const {Worker} = require('node:worker_threads');

const {Arrivals, summary} = require(path.join(__dirname, '..', 'lib', 'arrivals'));

const e2e = path.join(__dirname, '..', '..', 'tests', 'e2e');
const {scalar, sql} = require(path.join(e2e, 'lib', 'database'));
const {Gateway} = require(path.join(e2e, 'lib', 'gateway'));
const {matrixYaml, openMatrixBundle, parseRegistration, roomsLinked} =
  require(path.join(e2e, 'lib', 'matrix'));
const {policyFile} = require(path.join(e2e, 'lib', 'policy_enforcement'));
const {buildWorld} = require(path.join(e2e, 'lib', 'world'));

const kServerName = 'hs.test';
const kAsPath = '/matrix';
const kBob = `@bob:${kServerName}`;
const kSenders = [0, 1, 2, 3].map((i) => `@bench${i}:${kServerName}`);
const kArrivalTimeoutMs = Number(process.env.PARLEY_BENCH_TIMEOUT_MS ?? 120_000);

const now = () => Number(process.hrtime.bigint()) / 1e6;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const loadAverage = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');

function parseArgs(argv) {
  const options = {sizes: '1,50', events: 2000, 'in-flight': 1, posts: 1000, latency: 200,
    concurrency: 16, rounds: 2,
    json: path.join(__dirname, '..', '..', 'build', 'bench', 'matrix.json')};
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    if (!(key in options) || i + 1 >= argv.length) throw new Error(`unknown option ${argv[i]}`);
    options[key] = ['json', 'sizes'].includes(key) ? argv[i + 1] : Number(argv[i + 1]);
  }
  options.sizes = options.sizes.split(',').map(Number);
  for (const [key, value] of Object.entries(options)) {
    if (typeof value === 'number') assert.ok(value >= 1 && Number.isInteger(value), `--${key}`);
  }
  assert.ok(options.sizes.every((n) => n >= 1 && n <= 100), '--sizes: 1..100 events');
  return options;
}

const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;

// The homeserver on its worker thread; `arrivals` records what it stored.
class HomeserverThread {
  static async start() {
    const thread = new HomeserverThread();
    thread.url = await thread.call('start');
    return thread;
  }

  constructor() {
    this.worker = new Worker(path.join(__dirname, 'homeserver.js'),
        {workerData: {serverName: kServerName}});
    this.calls = new Map();
    this.nextId = 1;
    this.arrivals = new Arrivals({timeoutMs: kArrivalTimeoutMs,
      what: 'reach the homeserver'});
    this.worker.on('message', (message) => {
      if (message.receipt !== undefined) return this.arrivals.record(message.receipt, message.at);
      const call = this.calls.get(message.id);
      this.calls.delete(message.id);
      if (message.error) call.reject(new Error(message.error));
      else call.resolve(message.result);
    });
    this.worker.on('error', (error) => {
      for (const call of this.calls.values()) call.reject(error);
    });
  }

  call(op, ...args) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.calls.set(id, {resolve, reject});
      this.worker.postMessage({id, op, args});
    });
  }

  waitFor(body) {
    return this.arrivals.waitFor(body);
  }

  async stop() {
    await this.call('stop').catch(() => {});
    await this.worker.terminate();
  }
}

// nginx answering every request with {} (200), one process (no master: it dies with us through
// setpriv's parent-death signal), in `dir`.
async function startNginx(dir) {
  fs.mkdirSync(path.join(dir, 'tmp'), {recursive: true});
  const conf = path.join(dir, 'nginx.conf');
  const port = await freePort();
  const tmp = (name) => `${name}_temp_path ${path.join(dir, 'tmp', name)};`;
  fs.writeFileSync(conf, `# bench/matrix: the trivial AS, answering {} to everything.
daemon off;
master_process off;
pid ${path.join(dir, 'nginx.pid')};
error_log ${path.join(dir, 'nginx.log')} warn;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 1000000;
  keepalive_timeout 75s;
  client_max_body_size 16m;
  ${tmp('client_body')} ${tmp('proxy')} ${tmp('fastcgi')} ${tmp('uwsgi')} ${tmp('scgi')}
  server {
    listen 127.0.0.1:${port};
    location / { default_type application/json; return 200 '{}'; }
  }
}
`);
  const child = spawn('setpriv', ['--pdeathsig', 'KILL', '--', 'nginx', '-p', dir, '-c', conf,
    '-e', path.join(dir, 'nginx.log')], {stdio: 'ignore'});
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; ++i) {
    try {
      if ((await fetch(`${url}/`)).ok) return {url, child};
    } catch {
      await sleep(100);
    }
  }
  child.kill('SIGKILL');
  throw new Error(`nginx did not answer on ${url}: ${fs.readFileSync(path.join(dir, 'nginx.log'),
      'utf8')}`);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = require('node:net').createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const {port} = server.address();
      server.close(() => resolve(port));
    });
  });
}

// ------------------------------------------------------------------ ingest

// The transactions of one ingest run: `events` events in transactions of `size`.
function transactions({tag, events, size, roomId}) {
  const list = [];
  for (let first = 0; first < events; first += size) {
    const batch = [];
    for (let n = first; n < Math.min(events, first + size); ++n) {
      batch.push({type: 'm.room.message', event_id: `$${tag}-${n}`, room_id: roomId,
        sender: kSenders[n % kSenders.length], origin_server_ts: Date.now(),
        unsigned: {age: 12}, content: {msgtype: 'm.text', body: `${tag}-${n}`}});
    }
    list.push({txnId: `${tag}-t${list.length}`, body: JSON.stringify({events: batch, ephemeral: []})});
  }
  return list;
}

// PUTs the transactions to `base` (+ /_matrix/app/v1/transactions/{txnId}), `inFlight` at a
// time, in order; every answer must be 200. {seconds, latency: [ms per transaction]}.
async function pushTransactions(base, hsToken, list, inFlight) {
  const latency = [];
  let next = 0;
  const start = now();
  const slot = async () => {
    while (next < list.length) {
      const {txnId, body} = list[next++];
      const sent = now();
      const response = await fetch(`${base}/_matrix/app/v1/transactions/${txnId}`, {method: 'PUT',
        headers: {'Content-Type': 'application/json', 'Authorization': `Bearer ${hsToken}`}, body});
      const text = await response.text();
      if (response.status !== 200) throw new Error(`transaction ${txnId}: ${response.status} ${text}`);
      latency.push(now() - sent);
    }
  };
  await Promise.all(Array.from({length: inFlight}, slot));
  return {seconds: (now() - start) / 1000, latency};
}

// Every event of the run is one post of the channel (and, with one transaction in flight, in
// the order sent).
async function checkPosts(gateway, channelId, tag, events, ordered) {
  const [count, distinct] = (await sql(gateway, `SELECT count(*), count(DISTINCT message)
      FROM posts WHERE channel_id = '${channelId}' AND message LIKE '${tag}-%'`))[0].map(Number);
  assert.equal(count, events, `${tag}: ${count} posts for ${events} events`);
  assert.equal(distinct, events, `${tag}: ${events - distinct} duplicated posts`);
  if (!ordered) return;
  const rows = await sql(gateway, `SELECT message FROM posts WHERE channel_id = '${channelId}'
      AND message LIKE '${tag}-%' ORDER BY create_at, id`);
  rows.forEach(([message], n) => assert.equal(message, `${tag}-${n}`, `${tag}: out of order`));
}

// ------------------------------------------------------------------ outbound

const pendingRows = (gateway) => scalar(gateway,
    'SELECT count(*) FROM outbox WHERE state = \'pending\'').then(Number);

async function waitUntil(condition, what, timeoutMs = kArrivalTimeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(20);
  }
}

// `count` calls of `make(i)` with `concurrency` of them at a time, each worker in order.
async function inParallel(count, concurrency, make) {
  let next = 0;
  await Promise.all(Array.from({length: concurrency}, async () => {
    while (next < count) await make(next++);
  }));
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const result = {date: new Date().toISOString(), options, load: {start: loadAverage()}};
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-bench-matrix-'));
  let hs = null;
  let gateway = null;
  let nginx = null;
  let policy = null;
  const stopAll = async () => {
    nginx?.child.kill('SIGKILL');
    await gateway?.stop();
    await hs?.stop();
    if (policy) fs.rmSync(path.dirname(policy.file), {recursive: true, force: true});
    fs.rmSync(dir, {recursive: true, force: true});
  };
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => stopAll().finally(() => process.exit(130)));
  }
  try {
    hs = await HomeserverThread.start();
    policy = policyFile(openMatrixBundle('bench-matrix'));
    // Logs at info: the start-up waits for "matrix rooms linked". The drainer's first send is
    // held while the outbox fills: the request timeout must outlast that.
    const quiet = 'limits:\n  requests_per_second: 0\nlogging:\n  level: info\n' +
      '  access_log: false\n';
    gateway = await Gateway.start({extra: matrixYaml({url: hs.url})
        .replace('request_timeout: 5s', 'request_timeout: 120s') + policy.extra + quiet});
    const printed = await gateway.parleyd(['matrix', 'registration']);
    assert.equal(printed.code, 0, printed.stderr);
    const registration = parseRegistration(printed.stdout);
    await hs.call('setRegistration', registration);
    const world = await buildWorld(gateway, {
      users: {alice: 'system_user'},
      teams: {ops: ['admin', 'alice']},
      channels: {town: {team: 'ops', name: 'town-square', members: ['admin', 'alice']}},
    });
    await hs.call('registerUser', kBob, 'Bob');
    const roomId = await hs.call('createRoom', {creator: kBob});
    for (const sender of kSenders) {
      await hs.call('registerUser', sender, sender.slice(1, 7));
      await hs.call('join', sender, roomId);
    }
    fs.appendFileSync(gateway.config,
        `links:\n  - {channel: ops/town-square, bridge: matrix, remote: "${roomId}"}\n`);
    await gateway.restart();
    await roomsLinked(gateway);
    nginx = await startNginx(dir);
    const channelId = world.channels.town;
    const alice = world.client('alice');
    const puppet = `@mm_alice:${kServerName}`;
    const asBase = `${gateway.url}${kAsPath}`;

    // Warm-up: the senders' puppets made, alice's puppet registered and joined, connections open.
    for (const target of [nginx.url, asBase]) {
      await pushTransactions(target, registration.hs_token,
          transactions({tag: `bench-warm-in-${target === asBase ? 'p' : 'n'}`, events: 40,
            size: 5, roomId}), 1);
    }
    for (let i = 0; i < 10; ++i) {
      const body = `bench-warm-out-${i}`;
      await alice.createPost({channel_id: channelId, message: body});
      await hs.waitFor(body);
    }
    const content = await hs.call('contentOf', 'bench-warm-out-0');
    assert.ok(content, 'the content parleyd sent');
    const sendUrl = (txnId) => `${hs.url}/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}` +
      `/send/m.room.message/${encodeURIComponent(txnId)}?user_id=${encodeURIComponent(puppet)}`;
    const plainSend = async (body) => {
      const response = await fetch(sendUrl(body), {method: 'PUT',
        headers: {'Content-Type': 'application/json',
          'Authorization': `Bearer ${registration.as_token}`},
        body: JSON.stringify({...content, body})});
      const text = await response.text();
      if (response.status !== 200) throw new Error(`send ${body}: ${response.status} ${text}`);
    };
    for (let i = 0; i < 20; ++i) await plainSend(`bench-warm-base-${i}`);

    // ---------------------------------------------------------------- ingest
    const ingest = {};
    for (let round = 0; round < options.rounds; ++round) {
      for (const size of options.sizes) {
        for (const [target, base] of [['nginx', nginx.url], ['parleyd', asBase]]) {
          const tag = `bench-in-${target[0]}${round}-${size}`;
          const list = transactions({tag, events: options.events, size, roomId});
          const run = await pushTransactions(base, registration.hs_token, list,
              options['in-flight']);
          if (target === 'parleyd') {
            await checkPosts(gateway, channelId, tag, options.events, options['in-flight'] === 1);
          }
          const entry = {round, transactions: list.length, seconds: run.seconds,
            eventsPerSecond: options.events / run.seconds, latency: summary(run.latency)};
          ((ingest[size] ??= {})[target] ??= []).push(entry);
          console.error(`ingest ${String(size).padStart(3)} events/txn ${target.padEnd(7)} ` +
            `round ${round}: ${entry.eventsPerSecond.toFixed(0)} events/s, ` +
            `p50 ${entry.latency.p50.toFixed(2)} p99 ${entry.latency.p99.toFixed(2)} ms`);
        }
      }
    }
    result.ingest = ingest;

    // ---------------------------------------------------------------- outbound
    const oneAtATime = {parleyd: {fromSent: [], fromAnswer: [], post: []}, baseline: []};
    const drain = {parleyd: [], baseline: []};
    const live = [];
    const perRound = Math.ceil(options.latency / options.rounds);
    for (let round = 0; round < options.rounds; ++round) {
      for (let i = 0; i < perRound; ++i) {
        const body = `bench-lat-${round}-${i}`;
        const sent = now();
        const posted = alice.createPost({channel_id: channelId, message: body})
            .then(() => now());
        const at = await hs.waitFor(body);
        const answered = await posted;
        oneAtATime.parleyd.fromSent.push(at - sent);
        oneAtATime.parleyd.fromAnswer.push(at - answered);
        oneAtATime.parleyd.post.push(answered - sent);
      }
      for (let i = 0; i < perRound; ++i) {
        const body = `bench-lat-base-${round}-${i}`;
        const sent = now();
        await plainSend(body);
        oneAtATime.baseline.push((await hs.waitFor(body)) - sent);
      }

      // Drain: the outbox filled behind a held send, then let go.
      {
        const tag = `bench-drain-${round}`;
        await hs.call('hold');
        const postStart = now();
        await inParallel(options.posts, options.concurrency,
            (i) => alice.createPost({channel_id: channelId, message: `${tag}-${i}`}));
        const postSeconds = (now() - postStart) / 1000;
        const queued = await pendingRows(gateway);
        assert.equal(queued, options.posts, 'every post queued in the outbox');
        const released = await hs.call('release');
        const bodies = Array.from({length: options.posts}, (_, i) => `${tag}-${i}`);
        const times = (await Promise.all(bodies.map((b) => hs.waitFor(b)))).sort((a, b) => a - b);
        const seconds = (times[times.length - 1] - released) / 1000;
        const gaps = times.slice(1).map((t, i) => t - times[i]);
        await waitUntil(async () => (await pendingRows(gateway)) === 0, 'the outbox to empty');
        // The longest pauses of the link, with the position of the send after them (the
        // drainer reads and decides the outbox in batches: where it stalls shows).
        const slowest = gaps.map((ms, i) => ({after: i + 1, ms})).sort((a, b) => b.ms - a.ms)
            .slice(0, 8);
        drain.parleyd.push({round, events: options.posts, seconds,
          eventsPerSecond: options.posts / seconds, postsPerSecond: options.posts / postSeconds,
          betweenSends: summary(gaps), slowest});
        console.error(`drain   parleyd  round ${round}: ${(options.posts / seconds).toFixed(0)} ` +
          `events/s (outbox filled by POSTs at ${(options.posts / postSeconds).toFixed(0)}/s)`);
      }
      {
        const tag = `bench-drain-base-${round}`;
        const latency = [];
        const start = now();
        for (let i = 0; i < options.posts; ++i) {
          const sent = now();
          await plainSend(`${tag}-${i}`);
          latency.push((await hs.waitFor(`${tag}-${i}`)) - sent);
        }
        const times = Array.from({length: options.posts}, (_, i) => hs.arrivals.times.get(`${tag}-${i}`));
        const seconds = (Math.max(...times) - start) / 1000;
        drain.baseline.push({round, events: options.posts, seconds,
          eventsPerSecond: options.posts / seconds, latency: summary(latency),
          betweenSends: summary(times.slice(1).map((t, i) => t - times[i]))});
        console.error(`drain   baseline round ${round}: ` +
          `${(options.posts / seconds).toFixed(0)} events/s`);
      }

      // Live: posts made while the link sends.
      {
        const tag = `bench-live-${round}`;
        const answeredAt = new Map();
        const start = now();
        await inParallel(options.posts, options.concurrency, async (i) => {
          await alice.createPost({channel_id: channelId, message: `${tag}-${i}`});
          answeredAt.set(`${tag}-${i}`, now());
        });
        const postSeconds = (now() - start) / 1000;
        const bodies = [...answeredAt.keys()];
        const times = await Promise.all(bodies.map((b) => hs.waitFor(b)));
        const seconds = (Math.max(...times) - start) / 1000;
        live.push({round, events: options.posts, seconds, eventsPerSecond: options.posts / seconds,
          postsPerSecond: options.posts / postSeconds,
          fromAnswer: summary(bodies.map((b, i) => times[i] - answeredAt.get(b)))});
        console.error(`live    parleyd  round ${round}: ${(options.posts / seconds).toFixed(0)} ` +
          `events/s (POSTs ${(options.posts / postSeconds).toFixed(0)}/s)`);
      }
    }
    await waitUntil(async () => (await pendingRows(gateway)) === 0, 'the outbox to empty');
    const failed = Number(await scalar(gateway, 'SELECT count(*) FROM outbox WHERE state <> \'pending\''));
    assert.equal(failed, 0, 'no outbox row denied or failed');
    assert.equal(hs.arrivals.duplicates, 0, 'no event stored twice by the homeserver');
    result.outbound = {
      oneAtATime: {fromSent: summary(oneAtATime.parleyd.fromSent),
        fromAnswer: summary(oneAtATime.parleyd.fromAnswer), post: summary(oneAtATime.parleyd.post),
        slowest: oneAtATime.parleyd.fromAnswer.map((ms, i) => ({post: i, ms}))
            .sort((a, b) => b.ms - a.ms).slice(0, 5),
        baseline: summary(oneAtATime.baseline)},
      drain, live,
    };
    result.load.end = loadAverage();
    report(result);
    fs.mkdirSync(path.dirname(options.json), {recursive: true});
    fs.writeFileSync(options.json, JSON.stringify(result, null, 2));
    console.log(`written ${options.json}`);
  } catch (error) {
    const log = gateway?.log() ?? '';
    if (log) console.error(`parleyd's log, last lines:\n${log.split('\n').slice(-30).join('\n')}`);
    if (gateway) {
      console.error('outbox:', JSON.stringify(await sql(gateway, 'SELECT state, attempts, ' +
          'last_error FROM outbox ORDER BY id DESC LIMIT 5').catch((e) => e.message)));
      console.error('homeserver:', JSON.stringify(await hs.call('recent')));
    }
    throw error;
  } finally {
    await stopAll();
  }
}

function report(result) {
  const {options, ingest, outbound} = result;
  const f = (ms) => ms.toFixed(2).padStart(7);
  const rate = (runs) => mean(runs.map((r) => r.eventsPerSecond));
  console.log(`load average ${result.load.start} -> ${result.load.end}`);
  console.log(`ingest: ${options.events} events per run, ${options['in-flight']} transaction(s) ` +
    `in flight, ${options.rounds} round(s); per transaction p50 / p99 ms (mean over rounds)`);
  console.log('  events/txn  target    events/s     p50      p99   ratio');
  for (const [size, targets] of Object.entries(ingest)) {
    const base = rate(targets.nginx);
    for (const [target, runs] of Object.entries(targets)) {
      console.log(`  ${size.padStart(10)}  ${target.padEnd(8)} ${rate(runs).toFixed(0).padStart(9)} ` +
        `${f(mean(runs.map((r) => r.latency.p50)))} ${f(mean(runs.map((r) => r.latency.p99)))}` +
        `   ${(rate(runs) / base).toFixed(3)}`);
    }
  }
  const o = outbound.oneAtATime;
  console.log(`outbound, one at a time (${o.fromSent.count} posts, ${o.baseline.count} plain sends), ms:`);
  console.log(`  parleyd  POST sent -> stored     p50 ${f(o.fromSent.p50)}  p99 ${f(o.fromSent.p99)}`);
  console.log(`  parleyd  POST answered -> stored p50 ${f(o.fromAnswer.p50)}  p99 ${f(o.fromAnswer.p99)}`);
  console.log(`  parleyd  POST itself             p50 ${f(o.post.p50)}  p99 ${f(o.post.p99)}`);
  console.log(`  baseline PUT sent -> stored      p50 ${f(o.baseline.p50)}  p99 ${f(o.baseline.p99)}`);
  console.log(`  parleyd  slowest, answered -> stored: ` +
    o.slowest.map((s) => `${s.ms.toFixed(1)} ms (post ${s.post})`).join(', '));
  const drainBase = rate(outbound.drain.baseline);
  console.log(`outbound drain (${options.posts} events, one send in flight), events/s:`);
  for (const [target, runs] of Object.entries(outbound.drain)) {
    const gaps = runs.map((r) => r.betweenSends);
    console.log(`  ${target.padEnd(8)} ${runs.map((r) => r.eventsPerSecond.toFixed(0)).join(', ')}` +
      `  mean ${rate(runs).toFixed(0)}  ratio ${(rate(runs) / drainBase).toFixed(3)}` +
      `  between sends p50 ${mean(gaps.map((g) => g.p50)).toFixed(2)} ` +
      `p99 ${mean(gaps.map((g) => g.p99)).toFixed(2)} ms`);
  }
  for (const run of outbound.drain.parleyd) {
    console.log(`  parleyd round ${run.round}, longest pauses between sends (ms before send #): ` +
      run.slowest.map((g) => `${g.ms.toFixed(1)} before #${g.after}`).join(', '));
  }
  const liveRuns = outbound.live;
  console.log(`outbound live (${options.posts} posts, ${options.concurrency} POSTs at a time): ` +
    `${liveRuns.map((r) => r.eventsPerSecond.toFixed(0)).join(', ')} events/s, ` +
    `ratio ${(rate(liveRuns) / drainBase).toFixed(3)}; POST answered -> stored ` +
    `p50 ${mean(liveRuns.map((r) => r.fromAnswer.p50)).toFixed(2)} ` +
    `p99 ${mean(liveRuns.map((r) => r.fromAnswer.p99)).toFixed(2)} ms; POSTs ` +
    `${liveRuns.map((r) => r.postsPerSecond.toFixed(0)).join(', ')}/s`);
}

main().then(() => process.exit(0), (error) => {
  console.error(error);
  process.exit(1);
});
