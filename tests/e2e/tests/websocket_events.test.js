'use strict';
// Real-time events end to end with the official WebSocketClient of @mattermost/client, beyond
// the post and reaction events of websocket.test.js: posted's channel, sender and mention
// fields; channel changes and memberships; preferences, read state, sidebar categories and role
// changes, each reaching exactly the users Mattermost sends them to; and with two parleyd nodes
// on one database (cluster.enabled), a post made through one node reaches a client connected to
// the other, in both directions.

const {after, before, describe, test} = require('node:test');
const assert = require('node:assert/strict');

const {Gateway} = require('../lib/gateway');
const {officialClient, eventually} = require('../lib/websocket');
const {buildWorld} = require('../lib/world');

const kCluster = (nodeId) => `cluster:\n  enabled: true\n  node_id: ${nodeId}\n`;

// The first event of `name` in `listener.events` (an officialClient) that `match` accepts.
async function eventOf(listener, name, match = () => true) {
  const find = () => listener.events.find((e) => e.event === name && match(e));
  await eventually(() => find() !== undefined, `${name} event`);
  return find();
}

const postIdIs = (id) => (e) => JSON.parse(e.data.post).id === id;

describe('WebSocket events', () => {
  let gateway;
  let peer;
  let world;
  let town;
  const listeners = {};

  before(async () => {
    gateway = await Gateway.start({extra: kCluster('node-a')});
    world = await buildWorld(gateway, {
      users: {alice: 'system_user', bob: 'system_user', carol: 'system_user',
        gus: 'system_guest'},
      teams: {ops: ['admin', 'alice', 'bob', 'carol', 'gus']},
      channels: {
        room: {team: 'ops', name: 'room', members: ['alice', 'bob']},
        lobby: {team: 'ops', name: 'lobby', members: ['alice', 'gus']},
      },
    });
    // Every member but the guest joined town-square with the team.
    town = (await world.client('alice').getChannelByName(world.teams.ops, 'town-square')).id;
    for (const name of ['bob', 'carol', 'gus']) {
      listeners[name] = await officialClient(gateway, world.users[name].token);
    }
  });

  after(async () => {
    for (const listener of Object.values(listeners)) listener.client.close();
    if (peer) await peer.stop();
    if (gateway) await gateway.stop();
  });

  test('posted carries the channel, the sender and the mentioned members', async () => {
    const alice = world.client('alice');
    const room = world.channels.room;
    const post = await alice.createPost({channel_id: room, message: 'hello @bob and @carol'});
    const posted = await eventOf(listeners.bob, 'posted', postIdIs(post.id));
    assert.equal(posted.broadcast.channel_id, room);
    assert.equal(typeof posted.data.post, 'string', 'the post is double-encoded');
    assert.equal(JSON.parse(posted.data.post).message, 'hello @bob and @carol');
    assert.equal(posted.data.channel_type, 'O');
    assert.equal(posted.data.channel_name, 'room');
    assert.equal(posted.data.channel_display_name, 'room');
    assert.equal(posted.data.sender_name, '@alice');
    assert.equal(posted.data.team_id, world.teams.ops);
    assert.equal(posted.data.set_online, true);
    assert.deepEqual(JSON.parse(posted.data.mentions), [world.users.bob.id],
        'carol is mentioned but not a member of the channel');
    const seqs = listeners.bob.events.map((e) => e.seq);
    assert.deepEqual(seqs, seqs.map((_, i) => i), 'consecutive sequence numbers from hello on');
  });

  test('channel changes and memberships reach the members and the user concerned', async () => {
    const alice = world.client('alice');
    const room = world.channels.room;
    await alice.patchChannel(room, {header: 'new header'});
    const updated = await eventOf(listeners.bob, 'channel_updated');
    assert.equal(updated.broadcast.channel_id, room);
    assert.equal(JSON.parse(updated.data.channel).header, 'new header');

    await alice.addToChannel(world.users.carol.id, room);
    const added = await eventOf(listeners.bob, 'user_added');
    assert.equal(added.broadcast.channel_id, room);
    assert.deepEqual(added.data, {user_id: world.users.carol.id, team_id: world.teams.ops});

    await alice.removeFromChannel(world.users.carol.id, room);
    const removed = await eventOf(listeners.bob, 'user_removed');
    assert.equal(removed.broadcast.channel_id, room);
    assert.deepEqual(removed.data, {user_id: world.users.carol.id,
      remover_id: world.users.alice.id});
    const toCarol = await eventOf(listeners.carol, 'user_removed');
    assert.equal(toCarol.broadcast.user_id, world.users.carol.id);
    assert.deepEqual(toCarol.data, {channel_id: room, remover_id: world.users.alice.id});
    assert.equal(listeners.gus.events.some((e) => e.broadcast?.channel_id === room), false,
        'the guest outside the channel hears none of it');
  });

  test('preferences and read state go to their user only', async () => {
    const bob = world.client('bob');
    const preference = {user_id: world.users.bob.id, category: 'display_settings',
      name: 'use_military_time', value: 'true'};
    await bob.savePreferences(world.users.bob.id, [preference]);
    const changed = await eventOf(listeners.bob, 'preferences_changed');
    assert.equal(changed.broadcast.user_id, world.users.bob.id);
    assert.deepEqual(JSON.parse(changed.data.preferences), [preference]);

    await bob.viewMyChannel(world.channels.room);
    const viewed = await eventOf(listeners.bob, 'multiple_channels_viewed');
    assert.equal(viewed.broadcast.user_id, world.users.bob.id);
    assert.ok(viewed.data.channel_times[world.channels.room] > 0);
    for (const name of ['carol', 'gus']) {
      assert.equal(listeners[name].events.some((e) =>
        ['preferences_changed', 'multiple_channels_viewed'].includes(e.event)), false, name);
    }
  });

  test('sidebar edits and role changes reach the user concerned only', async () => {
    const bob = world.client('bob');
    const bobId = world.users.bob.id;
    const team = world.teams.ops;
    const inTeam = (e) => e.broadcast.user_id === bobId && e.broadcast.team_id === team;

    const category = await bob.createChannelCategory(bobId, team,
        {display_name: 'Ops rooms', channel_ids: [world.channels.room]});
    const created = await eventOf(listeners.bob, 'sidebar_category_created');
    assert.ok(inTeam(created), JSON.stringify(created.broadcast));
    assert.deepEqual(created.data, {category_id: category.id});

    await bob.updateChannelCategories(bobId, team, [{...category, display_name: 'Rooms',
      muted: true}]);
    const updated = await eventOf(listeners.bob, 'sidebar_category_updated');
    assert.ok(inTeam(updated));
    const [changed] = JSON.parse(updated.data.updatedCategories);
    assert.equal(changed.id, category.id);
    assert.equal(changed.display_name, 'Rooms');
    assert.equal(changed.muted, true);
    assert.deepEqual(changed.channel_ids, [world.channels.room]);

    const order = (await bob.getChannelCategoryOrder(bobId, team)).reverse();
    await bob.updateChannelCategoryOrder(bobId, team, order);
    const reordered = await eventOf(listeners.bob, 'sidebar_category_order_updated');
    assert.ok(inTeam(reordered));
    assert.deepEqual(reordered.data.order, order);

    await bob.deleteChannelCategory(bobId, team, category.id);
    const deleted = await eventOf(listeners.bob, 'sidebar_category_deleted');
    assert.ok(inTeam(deleted));
    assert.deepEqual(deleted.data, {category_id: category.id});

    // A refused edit changes nothing and tells nobody.
    await assert.rejects(bob.deleteChannelCategory(bobId, team, category.id),
        {status_code: 404});
    assert.equal(listeners.bob.events.filter((e) => e.event === 'sidebar_category_deleted')
        .length, 1);

    await world.client('admin').updateUserRoles(world.users.carol.id,
        'system_admin system_user');
    const roles = await eventOf(listeners.carol, 'user_role_updated');
    assert.equal(roles.broadcast.user_id, world.users.carol.id);
    assert.deepEqual(roles.data, {user_id: world.users.carol.id,
      roles: 'system_admin system_user'});
    const profile = await eventOf(listeners.carol, 'user_updated',
        (e) => e.data.user.id === world.users.carol.id);
    assert.equal(profile.data.user.roles, 'system_admin system_user');

    for (const name of ['carol', 'gus']) {
      assert.equal(listeners[name].events.some((e) => e.event.startsWith('sidebar_')), false,
          name);
    }
    for (const name of ['bob', 'gus']) {
      assert.equal(listeners[name].events.some((e) => e.event === 'user_role_updated'), false,
          name);
    }
  });

  test('with two nodes on one database, a post on one node reaches a client on the other',
      async () => {
        peer = await gateway.startPeer({extra: kCluster('node-b')});
        const bobOnB = await officialClient(peer, world.users.bob.token);
        const carolOnA = listeners.carol;
        try {
          // Alice posts through node A; Bob listens on node B.
          const fromA = await world.client('alice').createPost(
              {channel_id: town, message: 'from node a'});
          const posted = await eventOf(bobOnB, 'posted', postIdIs(fromA.id));
          assert.equal(posted.broadcast.channel_id, town);
          assert.equal(posted.data.sender_name, '@alice');

          // And back: Alice posts through node B; Carol listens on node A.
          const aliceOnB = peer.client();
          aliceOnB.setToken(world.users.alice.token);
          const fromB = await aliceOnB.createPost(
              {channel_id: town, message: 'from node b'});
          await eventOf(carolOnA, 'posted', postIdIs(fromB.id));

          // Each node delivers a post once: no echo of node A's own events through node B.
          await eventOf(bobOnB, 'posted', postIdIs(fromB.id));
          const copies = carolOnA.events.filter((e) => e.event === 'posted' &&
              [fromA.id, fromB.id].includes(JSON.parse(e.data.post).id));
          assert.equal(copies.length, 2);
        } finally {
          bobOnB.client.close();
        }
      });
});
