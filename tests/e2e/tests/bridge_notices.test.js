'use strict';
// The policy's deny notification (the notify_sender obligation) reaches the local author: a
// post in a channel whose label the xmpp peer may not receive is denied at the boundary, and
// its author, and nobody else, gets Mattermost's ephemeral_message with the bundle's text in
// that channel. Real parleyd + PostgreSQL + Prosody; WebSockets of the author and of another
// member.

const assert = require('node:assert/strict');
const fs = require('node:fs');
const {after, before, describe, test} = require('node:test');

const {Gateway} = require('../lib/gateway');
const {call} = require('../lib/policy');
const {openXmppBundle, policyFile} = require('../lib/policy_enforcement');
const {Prosody} = require('../lib/prosody');
const {RawSocket} = require('../lib/websocket');
const {buildWorld} = require('../lib/world');
const {until} = require('../lib/xmpp');

const kNotice = 'Not released to {{bridge.id}}: the channel is above its clearance';

// Everything crosses, except what a channel's label keeps from the peer; that denial tells the
// author.
const kBundle = openXmppBundle('e2e-bridge-notices', `  - id: B1-peer-clearance
    tier: 0
    effect: forbid
    actions: [message.egress, thread.egress]
    when: ["has(channel.label) && !dominates(bridge.clearance, channel.label)"]
    on_deny: [{notify_sender: "${kNotice}"}]
`);

describe('bridge denial notices', () => {
  let prosody;
  let gateway;
  let world;
  const sockets = [];

  before(async () => {
    prosody = await Prosody.start();
    process.env.PARLEY_XMPP_SECRET = prosody.componentSecret;
    gateway = await Gateway.start({extra: prosody.gatewayBridgeYaml() + policyFile(kBundle).extra});
    world = await buildWorld(gateway, {
      users: {alice: 'system_user', bob: 'system_user'},
      teams: {ops: ['admin', 'alice', 'bob']},
      channels: {vault: {team: 'ops', name: 'vault', members: ['admin', 'alice', 'bob']}},
    });
    await call(world.client('admin'), 'PUT', `/channels/${world.channels.vault}/policy_attributes`,
        {label: 'SECRET'});
    fs.appendFileSync(gateway.config, 'links:\n  - {channel: ops/vault, bridge: xmpp, remote: vault}\n');
    await gateway.restart();
  });

  after(async () => {
    for (const socket of sockets) await socket.terminate();
    await gateway?.stop();
    await prosody?.stop();
  });

  const socketOf = async (name) => {
    const socket = await RawSocket.open(gateway, {token: world.users[name].token});
    sockets.push(socket);
    await socket.next((m) => m.event === 'hello');
    return socket;
  };

  test('the author of a post the boundary denies is told, in the channel, and only they are',
      async () => {
        const aliceSocket = await socketOf('alice');
        const bobSocket = await socketOf('bob');
        const post = await world.client('alice').createPost({channel_id: world.channels.vault,
          message: 'eyes only'});

        const notice = await aliceSocket.next((m) => m.event === 'ephemeral_message', 15_000);
        const shown = JSON.parse(notice.data.post);
        assert.equal(shown.message, 'Not released to xmpp: the channel is above its clearance');
        assert.equal(shown.type, 'system_ephemeral');
        assert.equal(shown.channel_id, world.channels.vault);
        assert.notEqual(shown.id, post.id);
        assert.equal(notice.broadcast.user_id, world.users.alice.id);

        // Bob saw the post itself, and no notice.
        await bobSocket.next((m) => m.event === 'posted' && JSON.parse(m.data.post).id === post.id);
        await new Promise((resolve) => setTimeout(resolve, 1000));
        assert.equal(bobSocket.events.items.filter((m) => m.event === 'ephemeral_message').length,
            0);
        // A notice is not a post: the channel holds only what alice wrote.
        const posts = await world.client('alice').getPosts(world.channels.vault);
        assert.ok(!Object.values(posts.posts).some((p) => p.type === 'system_ephemeral'));
        // The denial itself is on the audit log.
        await until(async () => (await call(world.client('admin'), 'GET',
            '/parley/audit?action=message.egress&decision=deny'))
            .some((r) => r.resource === `post:${post.id}`), 'the denial to be audited');
      });
});
