'use strict';
// User statuses with Client4 and the official WebSocketClient: a first connection makes a user
// online (status_change), a status the user sets is stored as manual, wins over activity and
// reaches the user's sockets as status_change; bad input and other users are refused and change
// nothing.

const {after, before, describe, test} = require('node:test');
const assert = require('node:assert/strict');

const {Gateway} = require('../lib/gateway');
const {officialClient, eventually} = require('../lib/websocket');
const {buildWorld} = require('../lib/world');
const {assertClientError} = require('../lib/assert_client_error');

const kInvalidBody = 'api.context.invalid_body_param.app_error';
const kPermission = 'api.context.permissions.app_error';

describe('user statuses', () => {
  let gateway;
  let world;
  let listener;

  before(async () => {
    gateway = await Gateway.start();
    world = await buildWorld(gateway, {
      users: {alice: 'system_user', bob: 'system_user'},
      teams: {ops: ['admin', 'alice', 'bob']},
    });
  });

  after(async () => {
    if (listener) listener.client.close();
    if (gateway) await gateway.stop();
  });

  const statusChanges = () => listener.events.filter((e) => e.event === 'status_change');

  test('the first WebSocket connection makes the user online', async () => {
    const alice = world.users.alice.id;
    listener = await officialClient(gateway, world.users.alice.token);
    await eventually(() => statusChanges().length === 1, 'status_change online');
    assert.deepEqual(statusChanges()[0].data, {status: 'online', user_id: alice});
  });

  test('a status the user sets is stored, returned and announced', async () => {
    const alice = world.users.alice.id;
    const set = await world.client('alice').updateStatus(
        {user_id: alice, status: 'dnd', dnd_end_time: 0});
    assert.equal(set.status, 'dnd');
    assert.equal(set.manual, true);
    await eventually(() => statusChanges().some((e) => e.data.status === 'dnd'),
        'status_change dnd');

    const seen = await world.client('bob').getStatus(alice);
    assert.deepEqual({status: seen.status, manual: seen.manual, user_id: seen.user_id},
        {status: 'dnd', manual: true, user_id: alice});
    const both = await world.client('bob').getStatusesByIds([alice, world.users.bob.id]);
    const byUser = Object.fromEntries(both.map((s) => [s.user_id, s.status]));
    assert.equal(byUser[alice], 'dnd');

    // Setting the same status again announces nothing new.
    const before = statusChanges().length;
    await world.client('alice').updateStatus({user_id: alice, status: 'dnd'});
    await world.client('alice').updateStatus({user_id: alice, status: 'away'});
    await eventually(() => statusChanges().some((e) => e.data.status === 'away'),
        'status_change away');
    assert.equal(statusChanges().length, before + 1);
  });

  test('bad input and other users are refused and change nothing', async () => {
    const alice = world.users.alice.id;
    await assertClientError(world.client('alice').updateStatus({user_id: alice, status: 'busy'}),
        {status: 400, id: kInvalidBody});
    await assertClientError(
        world.client('alice').updateStatus({user_id: world.users.bob.id, status: 'dnd'}),
        {status: 403, id: kPermission});
    await assertClientError(world.client('bob').updateStatus({user_id: alice, status: 'offline'}),
        {status: 403, id: kPermission});
    assert.equal((await world.client('bob').getStatus(alice)).status, 'away');

    // An administrator may set another user's status.
    const set = await world.client('admin').updateStatus({user_id: alice, status: 'online'});
    assert.equal(set.status, 'online');
    assert.equal((await world.client('bob').getStatus(alice)).status, 'online');
  });
});
