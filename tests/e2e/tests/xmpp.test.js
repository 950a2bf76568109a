'use strict';
// The XMPP bridge end to end: a real parleyd (with its XEP-0114 component) and PostgreSQL, a
// real Prosody started by the test (lib/prosody.js), Mattermost users on Client4 and XMPP users
// on @xmpp/client logged in to Prosody. A channel linked to the room town-square@<component
// domain>: an XMPP user joins it and sees the room's history (only what crossed the link), a
// Mattermost post reaches them, their message reaches the channel as a post of their puppet,
// and nothing echoes back.

const assert = require('node:assert/strict');
const fs = require('node:fs');
const {after, before, describe, test} = require('node:test');

const {scalar} = require('../lib/database');
const {Gateway} = require('../lib/gateway');
const {openXmppBundle, policyFile} = require('../lib/policy_enforcement');
const {Prosody} = require('../lib/prosody');
const {eventually} = require('../lib/websocket');
const {buildWorld} = require('../lib/world');
const {XmppUser, errorCondition, stanzaId, until, xml} = require('../lib/xmpp');

const kDomain = 'mattermost.localhost';
const kRoom = `town-square@${kDomain}`;

describe('xmpp bridge', () => {
  let prosody;
  let gateway;
  let world;
  const xmppUsers = [];

  before(async () => {
    prosody = await Prosody.start({users: [['xena', 'xenapass'], ['yuri', 'yuripass']]});
    process.env.PARLEY_XMPP_SECRET = prosody.componentSecret;
    const policy = policyFile(openXmppBundle('e2e-xmpp'));
    gateway = await Gateway.start({extra: prosody.gatewayBridgeYaml() + policy.extra});
    world = await buildWorld(gateway, {
      users: {alice: 'system_user'},
      teams: {ops: ['admin', 'alice']},
      channels: {town: {team: 'ops', name: 'town-square', members: ['admin', 'alice']}},
    });
    // From before the link: never decided for the peer, so never shown in the room.
    await world.client('alice').createPost({channel_id: world.channels.town,
      message: 'before the link came up'});
    // The link, from gateway.yaml: synced into the links table when parleyd starts.
    fs.appendFileSync(gateway.config,
        'links:\n  - {channel: ops/town-square, bridge: xmpp, remote: town-square}\n');
    await gateway.restart();
    await eventually(() => gateway.log().includes('"msg":"hosting the rooms of the xmpp links"') &&
        gateway.log().includes('"rooms":1'), 'the room to be hosted', 20_000);
    // History from before anyone on XMPP was there: sent to the empty room, then (after a
    // restart) read back from the room's archive in the database.
    await world.client('alice').createPost({channel_id: world.channels.town,
      message: 'before anyone joined'});
    await until(async () => await scalar(gateway,
        "SELECT count(*) FROM outbox WHERE state = 'pending'") === '0', 'the post to be sent');
    await gateway.restart();
    await eventually(() => gateway.log().includes('"msg":"hosting the rooms of the xmpp links"') &&
        gateway.log().includes('"rooms":1'), 'the room to be hosted', 20_000);
  });

  after(async () => {
    for (const user of xmppUsers) await user.stop();
    await gateway?.stop();
    await prosody?.stop();
  });

  const login = async (name) => {
    const user = await XmppUser.login(prosody, name, `${name}pass`);
    xmppUsers.push(user);
    return user;
  };

  test('an XMPP user joins the linked room, sees the history, and posts go both ways', async () => {
    const xena = await login('xena');
    const sequence = await xena.join(kRoom, 'xena');
    const self = sequence.find((s) => s.is('presence') && s.attrs.from === `${kRoom}/xena`);
    assert.ok(self, `self-presence in ${sequence.map(String).join('\n')}`);
    const statuses = self.getChild('x', 'http://jabber.org/protocol/muc#user')
        .getChildren('status').map((s) => s.attrs.code);
    assert.ok(statuses.includes('110'));
    const history = sequence.filter((s) => s.is('message') && s.getChild('body'));
    assert.deepEqual(history.map((m) => m.getChildText('body')), ['before anyone joined']);
    assert.equal(history[0].attrs.from, `${kRoom}/alice`);
    assert.ok(history[0].getChild('delay', 'urn:xmpp:delay'), 'history carries <delay/>');
    const subject = sequence[sequence.length - 1];
    assert.ok(subject.getChild('subject'));

    // Mattermost -> XMPP: the post's id is the stanza-id.
    const post = await world.client('alice').createPost({channel_id: world.channels.town,
      message: 'hello **xmpp**'});
    const relayed = await xena.waitFor((s) => s.is('message') && s.attrs.type === 'groupchat' &&
        s.getChildText('body') === 'hello *xmpp*');
    assert.equal(relayed.attrs.from, `${kRoom}/alice`);
    assert.equal(stanzaId(relayed), post.id);

    // XMPP -> Mattermost: a post of xena's puppet in the channel; her own message comes back to
    // her once (the MUC reflection, with her id and the post id as stanza-id), and the post is
    // not sent to XMPP a second time.
    await xena.send(xml('message', {type: 'groupchat', to: kRoom, id: 'x-1'},
        xml('body', {}, 'hi from _xmpp_'),
        xml('origin-id', {xmlns: 'urn:xmpp:sid:0', id: 'x-1'})));
    const reflected = await xena.waitFor((s) => s.is('message') && s.attrs.id === 'x-1');
    assert.equal(reflected.attrs.from, `${kRoom}/xena`);
    const postId = stanzaId(reflected);
    assert.match(postId, /^[a-z0-9]{26}$/);
    const inMattermost = await world.client('alice').getPost(postId);
    assert.equal(inMattermost.channel_id, world.channels.town);
    assert.equal(inMattermost.message, 'hi from *xmpp*');
    assert.notEqual(inMattermost.user_id, world.users.alice.id);
    const puppet = await world.client('alice').getUser(inMattermost.user_id);
    assert.notEqual(puppet.username, 'xena', 'a puppet name cannot collide with a local one');
    const again = await xena.collect(1500, (s) => s.is('message') &&
        s.getChildText('body') === 'hi from _xmpp_');
    assert.deepEqual(again, [], 'no echo of her own message');
  });

  test('a message from someone who has not joined the room is refused and posts nothing', async () => {
    const yuri = await login('yuri');
    const before = (await world.client('alice').getPosts(world.channels.town)).order.length;
    await yuri.send(xml('message', {type: 'groupchat', to: kRoom, id: 'y-1'},
        xml('body', {}, 'let me in')));
    const error = await yuri.waitFor((s) => s.attrs.type === 'error' && s.attrs.id === 'y-1');
    assert.equal(errorCondition(error), 'not-acceptable');
    await yuri.send(xml('presence', {to: `nowhere@${kDomain}/yuri`, id: 'y-2'},
        xml('x', {xmlns: 'http://jabber.org/protocol/muc'})));
    const unknown = await yuri.waitFor((s) => s.attrs.type === 'error' && s.attrs.id === 'y-2');
    assert.equal(errorCondition(unknown), 'item-not-found');
    const after = (await world.client('alice').getPosts(world.channels.town)).order.length;
    assert.equal(after, before);
  });
});
