'use strict';
// The homeserver of bench/matrix/bench.js, on a worker thread of its own (so that it does not
// share an event loop with the load generator or the baseline's client): the e2e suite's fake
// homeserver (tests/e2e/lib/fake_homeserver.js, written from the Matrix specification) with two
// additions for measuring:
//   - every m.room.message whose body starts with "bench-" is reported to the main thread with
//     the time it was stored (process.hrtime, the same clock on every thread of the process);
//   - hold()/release(): while held, PUT .../send/... requests wait before they are handled, so
//     that the AS's outbox fills up behind the one send in flight and its drain can be timed.
// It never pushes transactions to the AS (no setAppService): bench.js plays that part itself.
//
// Messages from the main thread: {id, op, args}; answers {id, result} or {id, error}; reports
// {receipt: body, at: ms}.

const path = require('node:path');
const {parentPort, workerData} = require('node:worker_threads');

const {FakeHomeserver} = require(path.join(__dirname, '..', '..', 'tests', 'e2e', 'lib',
    'fake_homeserver'));

const now = () => Number(process.hrtime.bigint()) / 1e6;

class BenchHomeserver extends FakeHomeserver {
  hold() {
    if (this.gate) return;
    let open;
    const opened = new Promise((resolve) => { open = resolve; });
    this.gate = {opened, open};
  }

  release() {
    const gate = this.gate;
    this.gate = null;
    gate?.open();
    return now();
  }

  async route(req, res, url, segments, path, raw) {
    if (this.gate && req.method === 'PUT' && segments[5] === 'send') await this.gate.opened;
    return super.route(req, res, url, segments, path, raw);
  }

  addEvent(room, partial) {
    const event = super.addEvent(room, partial);
    const body = partial.content?.body;
    if (partial.type === 'm.room.message' && typeof body === 'string' && body.startsWith('bench-')) {
      parentPort.postMessage({receipt: body, at: now()});
    }
    return event;
  }

  // The content of the stored event with that body (what the AS sent), or null.
  contentOf(body) {
    for (const event of this.events.values()) {
      if (event.content?.body === body) return event.content;
    }
    return null;
  }
}

let hs = null;
const ops = {
  start: async () => {
    // FakeHomeserver.start() makes a FakeHomeserver: the subclass is made here, with its options.
    hs = new BenchHomeserver(workerData.serverName, null,
        {routes: 'v1', tokenStyle: 'header', retryMs: 100, retryMaxMs: 2000});
    await hs.listen(0);
    return hs.url;
  },
  setRegistration: (registration) => hs.setRegistration(registration),
  registerUser: (userId, name) => hs.registerUser(userId, name),
  createRoom: (options) => hs.createRoom(options),
  join: (userId, roomId) => hs.join(userId, roomId),
  members: (roomId) => Object.fromEntries(hs.rooms.get(roomId).members),
  hold: () => hs.hold(),
  release: () => hs.release(),
  contentOf: (body) => hs.contentOf(body),
  recent: () => ({requests: hs.requests.slice(-10),
    events: [...hs.events.values()].slice(-5)}),
  stop: () => hs?.stop(),
};

parentPort.on('message', async ({id, op, args}) => {
  try {
    parentPort.postMessage({id, result: await ops[op](...args)});
  } catch (error) {
    parentPort.postMessage({id, error: error.stack ?? String(error)});
  }
});
