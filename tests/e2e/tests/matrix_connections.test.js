'use strict';
// The Matrix bridge's connections to the homeserver: a homeserver (or a proxy in front of it)
// closes keep-alive connections that sat idle, and the next send must still go at once, on a
// new connection, not wait for the outbox's retry backoff (bench/matrix found 0.3-1.4 s per idle
// gap before HomeserverClient made such a request again at once).

const assert = require('node:assert/strict');
const {after, before, describe, test} = require('node:test');

const {openMatrixBundle, startMatrix} = require('../lib/matrix');
const {buildWorld} = require('../lib/world');

const kBob = '@bob:hs.test';

describe('matrix bridge: connections the homeserver closed', () => {
  let hs;
  let gateway;
  let world;
  let room;

  before(async () => {
    ({hs, gateway, context: world} = await startMatrix({
      bundle: openMatrixBundle('e2e-matrix-connections'),
      setup: async (gw, server) => {
        const built = await buildWorld(gw, {users: {alice: 'system_user'},
          teams: {ops: ['admin', 'alice']},
          channels: {town: {team: 'ops', name: 'town-square', members: ['admin', 'alice']}}});
        server.registerUser(kBob, 'Bob');
        room = server.createRoom({creator: kBob, alias: '#town:hs.test'});
        return built;
      },
      links: () => ['{channel: ops/town-square, bridge: matrix, remote: "#town:hs.test"}'],
    }));
  });

  after(async () => {
    await gateway?.stop();
    await hs?.stop();
  });

  // parleyd's count of deliveries it had to retry on the matrix link.
  const retried = async () => {
    const text = await (await fetch(`${gateway.url}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith('parley_bridge_retried_total{bridge="matrix"'));
    return line ? Number(line.split(' ').pop()) : 0;
  };

  const postAndWait = async (message) => {
    await world.client('alice').createPost({channel_id: world.channels.town, message});
    return hs.waitFor(() => hs.bridged(room).find((e) => e.content.body === message),
        `"${message}" in the room`);
  };

  test('closed idle connections: the next sends go at once, none retried', async () => {
    await postAndWait('before the connections are closed');
    const retriedBefore = await retried();
    for (let i = 0; i < 3; ++i) {
      hs.dropConnections();
      await new Promise((resolve) => setTimeout(resolve, 100));
      const started = Date.now();
      await postAndWait(`after closing ${i}`);
      assert.ok(Date.now() - started < 5000, 'sent without waiting for a retry');
    }
    assert.equal(await retried(), retriedBefore, 'no delivery was retried');
    assert.equal(hs.bridged(room).filter((e) => e.content.body.startsWith('after closing')).length,
        3, 'each once');
  });
});
