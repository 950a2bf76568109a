'use strict';
// What a Mattermost API client itself spends on a post: the share of the 2 cores that
// bench/xmpp/run's mm->xmpp paths leave to parleyd, PostgreSQL and Prosody. Run by
// `bench/xmpp/run --client-cost`.
//
// One parleyd (the binary in $PARLEY_BIN) on a private PostgreSQL cluster, no bridge: alice
// posts to a channel of her own, and nobody reads it. The same --requests POSTs, --concurrency
// at a time, made four ways, in --rounds rounds (the first also warms node's JIT up):
//   official  @mattermost/client's createPost (global fetch: undici)
//   fetch     the same request with fetch() itself, the body read as JSON
//   http      the same request with node's http module (kept-alive connections), as the
//             relay bench's `mm->xmpp http` path makes it
//   ping      @mattermost/client's ping (GET /api/v4/system/ping: no database)
// For each: the client's CPU per request (process.cpuUsage: this process, which does nothing
// else meanwhile) and the requests answered per second, and the CPU as a ratio to http's in
// the same round; each request's time, sent to answered (p50/p99: with --concurrency 1, the
// latency a client adds to a request that parleyd answers alone), and the pauses of this
// process's garbage collector meanwhile (V8 reports them: a pause stops every request in
// flight and every answer waiting to be read).

const http = require('node:http');
const path = require('node:path');
const {PerformanceObserver, performance} = require('node:perf_hooks');

const {summary} = require(path.join(__dirname, '..', 'lib', 'arrivals'));

const e2e = path.join(__dirname, '..', '..', 'tests', 'e2e');
const {Gateway} = require(path.join(e2e, 'lib', 'gateway'));
const {buildWorld} = require(path.join(e2e, 'lib', 'world'));

function parseArgs(argv) {
  const options = {requests: 2000, concurrency: 16, rounds: 2};
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    if (!(key in options) || i + 1 >= argv.length) throw new Error(`unknown option ${argv[i]}`);
    options[key] = Number(argv[i + 1]);
  }
  return options;
}

function post(url, agent, headers, body) {
  return new Promise((resolve, reject) => {
    const request = http.request(url, {method: 'POST', agent, headers}, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () => {
        if (response.statusCode !== 201) {
          reject(new Error(`POST answered ${response.statusCode}`));
          return;
        }
        resolve(JSON.parse(Buffer.concat(chunks).toString()));
      });
    });
    request.on('error', reject);
    request.end(body);
  });
}

// The garbage collector's pauses (ms) since the last take().
const gcPauses = {
  pauses: [],
  take() { return this.pauses.splice(0); },
};
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcPauses.pauses.push(entry.duration);
}).observe({entryTypes: ['gc']});

// `send(i)` for i in [0, count), `concurrency` at a time: {cpuMs per request, per second,
// latency {p50, p99, ...} of a request, gc {count, totalMs, maxMs}}.
async function measure(count, concurrency, send) {
  const times = [];
  gcPauses.take();
  const cpu = process.cpuUsage();
  const start = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const sent = performance.now();
      await send(next++);
      times.push(performance.now() - sent);
    }
  };
  await Promise.all(Array.from({length: concurrency}, worker));
  const seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  const pauses = gcPauses.take();
  return {cpuMs: (used.user + used.system) / 1000 / count, perSecond: count / seconds,
    latency: summary(times), gc: {count: pauses.length,
      totalMs: pauses.reduce((a, b) => a + b, 0), maxMs: Math.max(0, ...pauses)}};
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const gateway = await Gateway.start();
  try {
    const world = await buildWorld(gateway, {users: {alice: 'system_user'},
      teams: {ops: ['alice']},
      channels: {town: {team: 'ops', name: 'town-square', members: ['alice']}}});
    const alice = world.client('alice');
    const channelId = world.channels.town;
    const url = gateway.url + '/api/v4/posts';
    const headers = {'Authorization': `Bearer ${world.users.alice.token}`,
      'Content-Type': 'application/json', 'X-Requested-With': 'XMLHttpRequest'};
    const agent = new http.Agent({keepAlive: true, maxSockets: options.concurrency});
    const body = (tag, i) => JSON.stringify({channel_id: channelId, message: `cost-${tag}-${i}`});
    const clients = {
      official: (i) => alice.createPost({channel_id: channelId, message: `cost-o-${i}`}),
      fetch: async (i) => {
        const response = await fetch(url, {method: 'POST', headers, body: body('f', i)});
        if (response.status !== 201) throw new Error(`POST answered ${response.status}`);
        return response.json();
      },
      http: (i) => post(url, agent, headers, body('h', i)),
      ping: () => alice.ping(),
    };
    console.log(`client CPU per request (ms) and requests/s, ${options.requests} requests, ` +
        `${options.concurrency} in flight, no bridge:`);
    console.log('  round  client     CPU ms  to http   req/s   p50 ms  p99 ms   GC pauses: n, ' +
        'total ms, longest');
    const rounds = [];
    for (let round = 1; round <= options.rounds; ++round) {
      const results = {};
      for (const [name, send] of Object.entries(clients)) {
        results[name] = await measure(options.requests, options.concurrency, send);
      }
      for (const [name, r] of Object.entries(results)) {
        console.log(`  ${String(round).padEnd(6)} ${name.padEnd(10)} ${r.cpuMs.toFixed(3)}   ` +
            `${(r.cpuMs / results.http.cpuMs).toFixed(2).padStart(5)}   ` +
            `${r.perSecond.toFixed(0).padStart(5)}   ${r.latency.p50.toFixed(2).padStart(6)}  ` +
            `${r.latency.p99.toFixed(2).padStart(6)}   ${r.gc.count}, ${r.gc.totalMs.toFixed(0)}, ` +
            `${r.gc.maxMs.toFixed(1)}`);
      }
      rounds.push(results);
    }
    return rounds;
  } finally {
    await gateway.stop();
  }
}

main().then(() => process.exit(0), (error) => {
  console.error(error);
  process.exit(1);
});
