'use strict';
// The XMPP bridge end to end, message by message (issue 6): a real parleyd (its XEP-0114
// component) and PostgreSQL, a real Prosody (lib/prosody.js) and XMPP users on @xmpp/client
// (lib/xmpp.js). Two channels linked to rooms on the component domain: `town-square`, where
// everything crosses, and `vault`, labelled SECRET, which the bundle keeps from a peer cleared
// for UNCLASSIFIED only, in both directions. Both directions of: text with styling, a thread
// reply under the right root, an edit, a deletion, a policy denial with its audit record, and
// no echo for any of them; then the bad stanzas a client can send through Prosody.

const assert = require('node:assert/strict');
const fs = require('node:fs');
const {after, before, describe, test} = require('node:test');

const {Gateway} = require('../lib/gateway');
const {call} = require('../lib/policy');
const {kPeerClearanceRule, openXmppBundle, policyFile} = require('../lib/policy_enforcement');
const {Prosody} = require('../lib/prosody');
const {eventually} = require('../lib/websocket');
const {buildWorld} = require('../lib/world');
const {XmppUser, errorCondition, groupchat, stanzaId, until, xml} =
  require('../lib/xmpp');

const kDomain = 'mattermost.localhost';
const kTown = `town-square@${kDomain}`;
const kVault = `vault@${kDomain}`;
const kReplyNs = 'urn:xmpp:reply:0';
const kRetractNs = 'urn:xmpp:message-retract:1';
const kCorrectNs = 'urn:xmpp:message-correct:0';

// Everything crosses, except what a channel's label keeps from the peer.
const kBundle = openXmppBundle('e2e-xmpp-messages', kPeerClearanceRule);

// Everything an XMPP user is sent in a room for `ms` (taken), to assert that nothing came.
const roomMessages = (user, room, ms = 1500) =>
  user.collect(ms, (s) => s.is('message') && (s.attrs.from || '').startsWith(room));

describe('xmpp bridge: messages both ways', () => {
  let prosody;
  let gateway;
  let world;
  let alice;  // Client4
  let xena;
  let yuri;
  let nextId = 0;
  const id = (prefix) => `${prefix}-${++nextId}`;

  before(async () => {
    prosody = await Prosody.start({users: [['xena', 'xenapass'], ['yuri', 'yuripass']]});
    process.env.PARLEY_XMPP_SECRET = prosody.componentSecret;
    gateway = await Gateway.start({extra: prosody.gatewayBridgeYaml() + policyFile(kBundle).extra});
    world = await buildWorld(gateway, {
      users: {alice: 'system_user', bob: 'system_user'},
      teams: {ops: ['admin', 'alice', 'bob']},
      channels: {
        town: {team: 'ops', name: 'town-square', members: ['admin', 'alice', 'bob']},
        vault: {team: 'ops', name: 'vault', members: ['admin', 'alice']},
      },
    });
    await call(world.client('admin'), 'PUT', `/channels/${world.channels.vault}/policy_attributes`,
        {label: 'SECRET'});
    fs.appendFileSync(gateway.config, 'links:\n' +
        '  - {channel: ops/town-square, bridge: xmpp, remote: town-square}\n' +
        '  - {channel: ops/vault, bridge: xmpp, remote: vault}\n');
    await gateway.restart();
    await eventually(() => gateway.log().includes('"msg":"hosting the rooms of the xmpp links"') &&
        gateway.log().includes('"rooms":2'), 'the rooms to be hosted', 20_000);
    alice = world.client('alice');
    xena = await XmppUser.login(prosody, 'xena', 'xenapass');
    yuri = await XmppUser.login(prosody, 'yuri', 'yuripass');
    for (const [user, nick] of [[xena, 'xena'], [yuri, 'yuri']]) {
      for (const room of [kTown, kVault]) {
        const joined = await user.join(room, nick, 0);
        assert.ok(joined.some((s) => s.is('presence') && s.attrs.from === `${room}/${nick}` &&
            s.attrs.type !== 'error'), `${nick} joined ${room}`);
      }
    }
  });

  after(async () => {
    await xena?.stop();
    await yuri?.stop();
    await gateway?.stop();
    await prosody?.stop();
  });

  const postCount = async (channel) =>
    (await alice.getPosts(world.channels[channel], 0, 200)).order.length;

  // An XMPP user's message to a room; resolves with its reflection (the post id as stanza-id).
  const sendToRoom = async (user, room, body, extra = [], messageId = id('x')) => {
    await user.send(groupchat(room, messageId, body, extra));
    const reflected = await user.waitFor((s) => s.is('message') && s.attrs.id === messageId &&
        (s.attrs.from || '').startsWith(room));
    assert.notEqual(reflected.attrs.type, 'error', `refused: ${reflected}`);
    return {messageId, stanza: reflected, postId: stanzaId(reflected)};
  };

  // The error the room answers a message of `user` with (by the message's id).
  const refusal = (user, messageId) =>
    user.waitFor((s) => s.attrs.type === 'error' && s.attrs.id === messageId);

  test('text with styling, both ways, and no echo', async () => {
    const markdown = '**bold** and _italic_ and `code`\n```\nblock **not bold**\n```';
    const styled = '*bold* and _italic_ and `code`\n```\nblock **not bold**\n```';
    const post = await alice.createPost({channel_id: world.channels.town, message: markdown});
    for (const user of [xena, yuri]) {
      const got = await user.waitFor((s) => s.is('message') && stanzaId(s) === post.id);
      assert.equal(got.getChildText('body'), styled);
      assert.equal(got.attrs.from, `${kTown}/alice`);
    }

    const before = await postCount('town');
    const sent = await sendToRoom(xena, kTown, styled);
    const inMattermost = await alice.getPost(sent.postId);
    // XEP-0393 has one emphasis for what markdown writes *so* or _so_: it comes back as *so*.
    assert.equal(inMattermost.message, markdown.replace('_italic_', '*italic*'));
    assert.equal(inMattermost.channel_id, world.channels.town);
    const atYuri = await yuri.waitFor((s) => s.is('message') && stanzaId(s) === sent.postId);
    assert.equal(atYuri.getChildText('body'), styled);
    assert.equal(atYuri.attrs.from, `${kTown}/xena`);
    // Nothing more: no second copy at either occupant, one post in Mattermost.
    assert.deepEqual(await roomMessages(xena, kTown), []);
    assert.deepEqual(await roomMessages(yuri, kTown, 0), []);
    assert.equal(await postCount('town'), before + 1);
  });

  test('a Mattermost thread reply is an XEP-0461 reply to the root with fallback and <thread>',
      async () => {
        const root = await alice.createPost({channel_id: world.channels.town,
          message: 'the root'});
        await xena.waitFor((s) => stanzaId(s) === root.id);
        const reply = await alice.createPost({channel_id: world.channels.town,
          message: 'a reply', root_id: root.id});
        const got = await xena.waitFor((s) => s.is('message') && stanzaId(s) === reply.id);
        const replyTo = got.getChild('reply', kReplyNs);
        assert.ok(replyTo, `a <reply> in ${got}`);
        assert.equal(replyTo.attrs.id, root.id);
        assert.equal(got.getChildText('thread'), root.id);
        const fallback = got.getChildren('fallback', 'urn:xmpp:fallback:0')
            .find((f) => f.attrs.for === kReplyNs);
        assert.ok(fallback, `a reply fallback in ${got}`);
        const body = got.getChildText('body');
        assert.match(body, /the root/, 'the fallback quotes the root');
        assert.ok(body.endsWith('a reply'));

        // A reply to a message that came from XMPP names its stanza-id (the post id) too.
        const fromXmpp = await sendToRoom(yuri, kTown, 'an xmpp root');
        await xena.waitFor((s) => stanzaId(s) === fromXmpp.postId);
        const answer = await alice.createPost({channel_id: world.channels.town,
          message: 'answering xmpp', root_id: fromXmpp.postId});
        const answered = await xena.waitFor((s) => stanzaId(s) === answer.id);
        assert.equal(answered.getChild('reply', kReplyNs)?.attrs.id, fromXmpp.postId);
        assert.equal(answered.getChildText('thread'), fromXmpp.postId);
        await yuri.waitFor((s) => stanzaId(s) === root.id);
        await yuri.waitFor((s) => stanzaId(s) === reply.id);
        await yuri.waitFor((s) => stanzaId(s) === answer.id);
      });

  test('an XMPP reply becomes a post under the root, also a reply to a reply', async () => {
    const root = await alice.createPost({channel_id: world.channels.town, message: 'ask me'});
    await yuri.waitFor((s) => stanzaId(s) === root.id);
    await xena.waitFor((s) => stanzaId(s) === root.id);
    const quote = '> alice: ask me\n';
    const replied = await sendToRoom(xena, kTown, `${quote}an answer`, [
      xml('reply', {xmlns: kReplyNs, to: `${kTown}/alice`, id: root.id}),
      xml('fallback', {xmlns: 'urn:xmpp:fallback:0', for: kReplyNs},
          xml('body', {start: '0', end: String(quote.length)})),
    ]);
    const post = await alice.getPost(replied.postId);
    assert.equal(post.root_id, root.id);
    assert.equal(post.message, 'an answer', 'the fallback quote is stripped');
    await yuri.waitFor((s) => stanzaId(s) === replied.postId);

    // Replying to the XMPP reply (its stanza-id is its post id) lands under the same root.
    const deeper = await sendToRoom(yuri, kTown, 'me too',
        [xml('reply', {xmlns: kReplyNs, id: replied.postId})]);
    await xena.waitFor((s) => stanzaId(s) === deeper.postId);
    assert.equal((await alice.getPost(deeper.postId)).root_id, root.id);
    // A <thread> naming a root maps the same way.
    const threaded = await sendToRoom(yuri, kTown, 'by thread', [xml('thread', {}, root.id)]);
    await xena.waitFor((s) => stanzaId(s) === threaded.postId);
    assert.equal((await alice.getPost(threaded.postId)).root_id, root.id);
    const thread = await alice.getPostThread(root.id);
    assert.deepEqual(new Set(thread.order),
        new Set([root.id, replied.postId, deeper.postId, threaded.postId]));
    assert.deepEqual(await roomMessages(yuri, kTown), []);
    assert.deepEqual(await roomMessages(xena, kTown, 0), []);
  });

  test('edits: a Mattermost edit is an XEP-0308 correction, an XMPP correction edits the post',
      async () => {
        const post = await alice.createPost({channel_id: world.channels.town,
          message: 'first **draft**'});
        await xena.waitFor((s) => stanzaId(s) === post.id);
        await yuri.waitFor((s) => stanzaId(s) === post.id);
        await alice.patchPost({id: post.id, message: 'final **draft**'});
        const correction = await xena.waitFor((s) => s.is('message') &&
            s.getChild('replace', kCorrectNs)?.attrs.id === post.id);
        assert.equal(correction.getChildText('body'), 'final *draft*');
        assert.equal(correction.attrs.from, `${kTown}/alice`);
        await yuri.waitFor((s) => s.getChild('replace', kCorrectNs)?.attrs.id === post.id);

        const sent = await sendToRoom(xena, kTown, 'tpyo');
        await yuri.waitFor((s) => stanzaId(s) === sent.postId);
        const fixId = id('fix');
        await xena.send(groupchat(kTown, fixId, 'typo', [xml('replace',
            {xmlns: kCorrectNs, id: sent.messageId})]));
        // Reflected once to everyone (the sender's client matches it by its id) ...
        const reflected = await xena.waitFor((s) => s.attrs.id === fixId);
        assert.notEqual(reflected.attrs.type, 'error', `refused: ${reflected}`);
        assert.equal(reflected.getChild('replace', kCorrectNs).attrs.id, sent.messageId);
        const atYuri = await yuri.waitFor((s) => s.getChild('replace', kCorrectNs)?.attrs.id ===
            sent.messageId);
        assert.equal(atYuri.getChildText('body'), 'typo');
        // ... and the post says the new text, edited.
        await until(async () => (await alice.getPost(sent.postId)).message === 'typo',
            'the post to be edited');
        assert.ok((await alice.getPost(sent.postId)).edit_at > 0);
        // No echo: the post_edited that came from XMPP is not sent back as a second correction.
        assert.deepEqual(await roomMessages(xena, kTown), []);
        assert.deepEqual(await roomMessages(yuri, kTown, 0), []);
      });

  test('deletions: a deleted post is an XEP-0424 retraction, an XMPP retraction deletes',
      async () => {
        const post = await alice.createPost({channel_id: world.channels.town,
          message: 'soon gone'});
        await xena.waitFor((s) => stanzaId(s) === post.id);
        await yuri.waitFor((s) => stanzaId(s) === post.id);
        await alice.deletePost(post.id);
        const retraction = await xena.waitFor((s) => s.is('message') &&
            s.getChild('retract', kRetractNs)?.attrs.id === post.id);
        assert.equal(retraction.attrs.from, `${kTown}/alice`);
        await yuri.waitFor((s) => s.getChild('retract', kRetractNs)?.attrs.id === post.id);

        const sent = await sendToRoom(xena, kTown, 'my mistake');
        await yuri.waitFor((s) => stanzaId(s) === sent.postId);
        const retractId = id('retract');
        await xena.send(groupchat(kTown, retractId, 'retracted a message',
            [xml('retract', {xmlns: kRetractNs, id: sent.postId})]));
        const reflected = await xena.waitFor((s) => s.attrs.id === retractId);
        assert.notEqual(reflected.attrs.type, 'error', `refused: ${reflected}`);
        await yuri.waitFor((s) => s.getChild('retract', kRetractNs)?.attrs.id === sent.postId);
        await until(async () => !(await alice.getPostsSince(world.channels.town, 0))
            .order.includes(sent.postId), 'the post to be deleted');
        await assert.rejects(alice.getPost(sent.postId), (error) => error.status_code === 404);
        assert.deepEqual(await roomMessages(xena, kTown), []);
        assert.deepEqual(await roomMessages(yuri, kTown, 0), []);
      });

  test('policy: the vault (SECRET) crosses to an UNCLASSIFIED peer in neither direction, audited',
      async () => {
        const admin = world.client('admin');
        const post = await alice.createPost({channel_id: world.channels.vault,
          message: 'eyes only'});
        await until(async () => (await call(admin, 'GET',
            '/parley/audit?action=message.egress&decision=deny'))
            .some((r) => r.resource === `post:${post.id}`), 'the egress denial to be audited');
        const denied = (await call(admin, 'GET', '/parley/audit?action=message.egress&decision=deny'))
            .find((r) => r.resource === `post:${post.id}`);
        assert.ok(denied.rules.includes('B1-peer-clearance'), JSON.stringify(denied));
        assert.deepEqual(await roomMessages(xena, kVault), [], 'nothing reached the vault room');

        const before = await postCount('vault');
        const messageId = id('v');
        await xena.send(groupchat(kVault, messageId, 'let me in on it'));
        const error = await refusal(xena, messageId);
        assert.equal(errorCondition(error), 'forbidden');
        assert.equal(await postCount('vault'), before);
        const ingress = await call(admin, 'GET', '/parley/audit?action=message.ingress&decision=deny');
        assert.ok(ingress.some((r) => r.rules.includes('B1-peer-clearance') &&
            r.detail?.remote_user === 'xena@localhost'), JSON.stringify(ingress));
        assert.deepEqual(await roomMessages(yuri, kVault), [], 'nothing reflected');
        // The other room is not affected.
        const open = await alice.createPost({channel_id: world.channels.town, message: 'open'});
        await xena.waitFor((s) => stanzaId(s) === open.id);
        await yuri.waitFor((s) => stanzaId(s) === open.id);
      });

  test("the room's archive (XEP-0313) holds what crossed the link, in order, and nothing else",
      async () => {
        const first = await alice.createPost({channel_id: world.channels.town,
          message: 'archived **one**'});
        await xena.waitFor((s) => stanzaId(s) === first.id);
        await yuri.waitFor((s) => stanzaId(s) === first.id);
        const middle = await sendToRoom(xena, kTown, 'archived two');
        await yuri.waitFor((s) => stanzaId(s) === middle.postId);
        const last = await alice.createPost({channel_id: world.channels.town,
          message: 'archived three', root_id: first.id});
        await xena.waitFor((s) => stanzaId(s) === last.id);
        await yuri.waitFor((s) => stanzaId(s) === last.id);

        const page = await yuri.mam(kTown, {before: '', max: 3});
        assert.deepEqual(page.messages.map(stanzaId), [first.id, middle.postId, last.id]);
        assert.deepEqual(page.messages.map((m) => m.getChildText('body')),
            ['archived *one*', 'archived two', 'archived three']);
        assert.deepEqual(page.messages.map((m) => m.attrs.from),
            [`${kTown}/alice`, `${kTown}/xena`, `${kTown}/alice`]);
        assert.equal(page.messages[1].attrs.id, middle.messageId, "a client's message keeps its id");
        assert.equal(page.messages[2].getChild('reply', kReplyNs)?.attrs.id, first.id);
        assert.equal(page.complete, false);
        // Forward from a cursor: the same messages, and the end of the archive.
        const after = await yuri.catchUp(kTown, page.messages[0].getChild('stanza-id',
            'urn:xmpp:sid:0').attrs.id);
        assert.deepEqual(after.map(stanzaId), [middle.postId, last.id]);
        // The vault's posts never crossed: its archive is empty. An unknown cursor is an error.
        assert.deepEqual((await xena.catchUp(kVault, null)).map(stanzaId), []);
        await assert.rejects(xena.mam(kTown, {after: 'abcdefghijklmnopqrstuvwxyz'}),
            (error) => error.condition === 'item-not-found');
        assert.deepEqual(await roomMessages(xena, kTown, 0), []);
      });

  test('bad stanzas get the right error and change nothing', async () => {
    const before = await postCount('town');
    // Over bridges.xmpp.max_stanza_size (64 KiB), well under Prosody's own limit.
    const huge = id('huge');
    await xena.send(groupchat(kTown, huge, 'x'.repeat(100 * 1024)));
    assert.ok(['policy-violation', 'not-acceptable'].includes(
        errorCondition(await refusal(xena, huge))));
    // A room that is not hosted.
    const lost = id('lost');
    await xena.send(groupchat(`nowhere@${kDomain}`, lost, 'hello?'));
    assert.equal(errorCondition(await refusal(xena, lost)), 'item-not-found');

    // Corrections and retractions of unknown ids, and of someone else's messages.
    const mine = await sendToRoom(xena, kTown, 'xena says');
    await yuri.waitFor((s) => stanzaId(s) === mine.postId);
    const mattermost = await alice.createPost({channel_id: world.channels.town,
      message: 'alice says'});
    await xena.waitFor((s) => stanzaId(s) === mattermost.id);
    await yuri.waitFor((s) => stanzaId(s) === mattermost.id);
    const counted = await postCount('town');
    assert.equal(counted, before + 2);
    const cases = [
      ['an edit of an unknown id', 'item-not-found',
        xml('replace', {xmlns: kCorrectNs, id: 'no-such-message'})],
      ['a retraction of an unknown id', 'item-not-found',
        xml('retract', {xmlns: kRetractNs, id: 'abcdefghijklmnopqrstuvwxyz'})],
      ["an edit of xena's message", 'item-not-found',
        xml('replace', {xmlns: kCorrectNs, id: mine.messageId})],
      ["a retraction of xena's message", 'not-acceptable',
        xml('retract', {xmlns: kRetractNs, id: mine.postId})],
      ["an edit of alice's post", 'item-not-found',
        xml('replace', {xmlns: kCorrectNs, id: mattermost.id})],
      ["a retraction of alice's post", 'not-acceptable',
        xml('retract', {xmlns: kRetractNs, id: mattermost.id})],
    ];
    for (const [what, condition, payload] of cases) {
      const messageId = id('bad');
      await yuri.send(groupchat(kTown, messageId, 'changed', [payload]));
      assert.equal(errorCondition(await refusal(yuri, messageId)), condition, what);
    }
    assert.equal((await alice.getPost(mine.postId)).message, 'xena says');
    assert.equal((await alice.getPost(mattermost.id)).message, 'alice says');
    assert.equal(await postCount('town'), counted);
    assert.deepEqual(await roomMessages(xena, kTown), [], 'nothing reached the other occupant');
  });
});
