'use strict';
// The XMPP bridge's second mode end to end (issue 6, xmpp.md §1 mode B): a Mattermost channel
// linked to an EXISTING room on the partner's own MUC service (Prosody's conference.localhost,
// with muc_mam). A real parleyd + PostgreSQL, a real Prosody (lib/prosody.js) and XMPP users on
// @xmpp/client (lib/xmpp.js) who are occupants of that room. Parley joins it as a listener
// ("Mattermost") and as one puppet occupant per Mattermost user who posts ("Alice Liddell (MM)").
// Both directions: text, a reply under the right root, an edit, a retraction, a reaction, a
// file; no echo; what the room said before the link is not imported; a taken nick gets
// a number; a link made through the admin API is joined without a post; after Prosody
// restarts, Parley's occupants are back and messages flow again; what the room said while
// parleyd was down (stopped, or SIGKILLed) arrives once (catch-up from the room's archive).

const assert = require('node:assert/strict');
const fs = require('node:fs');
const http = require('node:http');
const {after, before, describe, test} = require('node:test');

const {Gateway} = require('../lib/gateway');
const {call} = require('../lib/policy');
const {openXmppBundle, policyFile} = require('../lib/policy_enforcement');
const {Prosody, freePort} = require('../lib/prosody');
const {eventually} = require('../lib/websocket');
const {buildWorld} = require('../lib/world');
const {XmppUser, groupchat, reactionMessage, reactionsOf, stanzaId, until, xml} =
  require('../lib/xmpp');

const kRoom = 'lounge@conference.localhost';
const kAnnex = 'annex@conference.localhost';  // linked through the admin API
const kReplyNs = 'urn:xmpp:reply:0';
const kRetractNs = 'urn:xmpp:message-retract:1';
const kCorrectNs = 'urn:xmpp:message-correct:0';
const kOob = 'jabber:x:oob';
const kAliceNick = 'Alice Liddell (MM)';

// Everything an XMPP user is sent in the room for `ms` (taken), to assert that nothing came.
const roomMessages = (user, ms = 1500) =>
  user.collect(ms, (s) => s.is('message') && (s.attrs.from || '').startsWith(kRoom));

describe('xmpp bridge: a channel linked to a room on the partner\'s MUC service', () => {
  let prosody;
  let gateway;
  let world;
  let alice;  // Client4
  let bob;
  let xena;
  let yuri;
  let nextId = 0;
  const id = (prefix) => `${prefix}-${++nextId}`;

  const posts = async (channel = 'partner') => {
    const list = await alice.getPosts(world.channels[channel], 0, 200);
    return list.order.map((postId) => list.posts[postId]);
  };
  const postWithMessage = async (message) => (await posts()).find((p) => p.message === message);
  const waitForPost = async (message) => {
    await until(async () => Boolean(await postWithMessage(message)), `a post "${message}"`);
    return postWithMessage(message);
  };
  // An XMPP user's message to the room; resolves with the room's reflection (its stanza-id).
  const sendToRoom = async (user, body, extra = [], messageId = id('x'), room = kRoom) => {
    await user.send(groupchat(room, messageId, body, extra));
    const reflected = await user.waitFor((s) => s.is('message') && s.attrs.id === messageId);
    assert.notEqual(reflected.attrs.type, 'error', `refused: ${reflected}`);
    return {messageId, stanzaId: stanzaId(reflected)};
  };
  const joinRoom = async (user, nick, room = kRoom) => {
    const joined = await user.join(room, nick, 0);
    assert.ok(joined.some((s) => s.is('presence') && s.attrs.from === `${room}/${nick}` &&
        s.attrs.type !== 'error'), `${nick} joined: ${joined.join('\n')}`);
    return joined;
  };
  const joinedLines = () => gateway.log().split('\n')
      .filter((line) => line.includes('"msg":"joined a partner room"')).length;

  before(async () => {
    prosody = await Prosody.start({users: [['xena', 'xenapass'], ['yuri', 'yuripass']],
      muc: true});
    process.env.PARLEY_XMPP_SECRET = prosody.componentSecret;
    // Attachments from the room are served over http on loopback in this test: allowed here.
    gateway = await Gateway.start({extra: prosody.gatewayBridgeYaml({attachments:
      'allow_http_urls: true\nallow_private_addresses: true\n'}) +
      policyFile(openXmppBundle('e2e-xmpp-partner-muc',
          '  - {id: K1-link, tier: 2, effect: permit, actions: [channel.link], bridges: [xmpp]}\n' +
          '  - {id: F1-files, tier: 2, effect: permit, actions: [file.egress, file.ingress], ' +
          'bridges: [xmpp]}\n'))
          .extra});
    world = await buildWorld(gateway, {
      users: {alice: 'system_user', bob: 'system_user'},
      teams: {ops: ['admin', 'alice', 'bob']},
      channels: {
        partner: {team: 'ops', name: 'partner', members: ['admin', 'alice', 'bob']},
        annex: {team: 'ops', name: 'annex', members: ['admin', 'alice']},
      },
    });
    alice = world.client('alice');
    bob = world.client('bob');
    await alice.patchMe({first_name: 'Alice', last_name: 'Liddell'});

    // The partner's room exists before the link, with a message in it.
    xena = await XmppUser.login(prosody, 'xena', 'xenapass');
    yuri = await XmppUser.login(prosody, 'yuri', 'yuripass');
    await joinRoom(xena, 'xena');
    await joinRoom(yuri, 'yuri');
    await sendToRoom(xena, 'said before the link');
    await yuri.waitFor((s) => s.getChildText('body') === 'said before the link');

    // A fixed port, so that server.site_url (the base of the file URLs) names this gateway.
    const port = await freePort();
    fs.writeFileSync(gateway.config, fs.readFileSync(gateway.config, 'utf8')
        .replace('  listen: 127.0.0.1:0\n',
            `  listen: 127.0.0.1:${port}\n  site_url: http://127.0.0.1:${port}\n`) +
        `links:\n  - {channel: ops/partner, bridge: xmpp, remote: "${kRoom}"}\n`);
    await gateway.restart();
    assert.equal(gateway.port, port);
    alice = world.client('alice');  // the restarted gateway listens on another port
    bob = world.client('bob');
    await eventually(() => joinedLines() >= 1, 'Parley to join the partner room', 20_000);
    // The occupants see Parley's listener come in.
    await xena.waitFor((s) => s.is('presence') && s.attrs.from === `${kRoom}/Mattermost`);
  });

  after(async () => {
    await xena?.stop();
    await yuri?.stop();
    await gateway?.stop();
    await prosody?.stop();
  });

  test('text both ways from puppet occupants, no echo, and the room\'s past not imported',
      async () => {
        const post = await alice.createPost({channel_id: world.channels.partner,
          message: 'hello **partners**'});
        // Alice's puppet joins the room before it speaks ...
        await xena.waitFor((s) => s.is('presence') && s.attrs.from === `${kRoom}/${kAliceNick}`);
        // ... and says it, with the room's own stanza-id.
        const got = await xena.waitFor((s) => s.is('message') && s.getChildText('body') ===
            'hello *partners*');
        assert.equal(got.attrs.from, `${kRoom}/${kAliceNick}`);
        assert.ok(stanzaId(got), 'the room stamped a stanza-id');
        assert.notEqual(stanzaId(got), post.id, 'the partner room assigns its own stanza-ids');
        await yuri.waitFor((s) => s.getChildText('body') === 'hello *partners*');

        const before = (await posts()).length;
        await sendToRoom(xena, 'hello _mattermost_');
        const fromXena = await waitForPost('hello *mattermost*');
        const puppet = await alice.getUser(fromXena.user_id);
        assert.match(puppet.username, /^xena:conference\.localhost/);
        await yuri.waitFor((s) => s.getChildText('body') === 'hello _mattermost_');
        // One post for xena's message, none for the reflection of alice's (no echo) nor for the
        // copies each of Parley's occupants receives; the room sees each message once.
        await new Promise((resolve) => setTimeout(resolve, 1000));
        assert.equal((await posts()).length, before + 1);
        assert.equal((await posts()).filter((p) => p.message === 'hello **partners**').length, 1);
        assert.equal(await postWithMessage('said before the link'), undefined);
        assert.deepEqual(await roomMessages(xena), []);
        assert.deepEqual(await roomMessages(yuri, 0), []);
      });

  test('replies land under the right root both ways', async () => {
    const root = await alice.createPost({channel_id: world.channels.partner, message: 'a root'});
    const rootAtXena = await xena.waitFor((s) => s.getChildText('body') === 'a root');
    // An XEP-0461 reply to the room's stanza-id of alice's post.
    await sendToRoom(xena, 'an answer', [xml('reply', {xmlns: kReplyNs,
      to: `${kRoom}/${kAliceNick}`, id: stanzaId(rootAtXena)})]);
    const answer = await waitForPost('an answer');
    assert.equal(answer.root_id, root.id);

    // A Mattermost reply to xena's message names its stanza-id.
    const xenaRoot = await sendToRoom(xena, 'xena asks');
    const xenaPost = await waitForPost('xena asks');
    await alice.createPost({channel_id: world.channels.partner, message: 'alice answers',
      root_id: xenaPost.id});
    const reply = await yuri.waitFor((s) => s.is('message') &&
        (s.getChildText('body') || '').endsWith('alice answers'));
    assert.equal(reply.getChild('reply', kReplyNs)?.attrs.id, xenaRoot.stanzaId);
    assert.equal(reply.attrs.from, `${kRoom}/${kAliceNick}`);
    await xena.waitFor((s) => (s.getChildText('body') || '').endsWith('alice answers'));
  });

  test('edits both ways: XEP-0308 from the same occupant, a correction edits the post',
      async () => {
        const post = await alice.createPost({channel_id: world.channels.partner,
          message: 'first draft'});
        const original = await xena.waitFor((s) => s.getChildText('body') === 'first draft');
        await alice.patchPost({id: post.id, message: 'final draft'});
        const correction = await xena.waitFor((s) => s.is('message') &&
            s.getChild('replace', kCorrectNs));
        assert.equal(correction.getChild('replace', kCorrectNs).attrs.id, original.attrs.id);
        assert.equal(correction.getChildText('body'), 'final draft');
        assert.equal(correction.attrs.from, original.attrs.from);

        const sent = await sendToRoom(xena, 'tpyo');
        const typo = await waitForPost('tpyo');
        await sendToRoom(xena, 'typo', [xml('replace', {xmlns: kCorrectNs, id: sent.messageId})]);
        await until(async () => (await alice.getPost(typo.id)).message === 'typo',
            'the post to be edited');
        assert.equal(await postWithMessage('typo').then((p) => p.id), typo.id);
        // No echo of the edit that came from the room.
        assert.deepEqual(await roomMessages(xena), []);
      });

  test('retractions both ways', async () => {
    const post = await alice.createPost({channel_id: world.channels.partner, message: 'soon gone'});
    const shown = await xena.waitFor((s) => s.getChildText('body') === 'soon gone');
    await alice.deletePost(post.id);
    const retraction = await xena.waitFor((s) => s.is('message') &&
        s.getChild('retract', kRetractNs));
    assert.equal(retraction.getChild('retract', kRetractNs).attrs.id, stanzaId(shown));
    assert.equal(retraction.attrs.from, `${kRoom}/${kAliceNick}`);

    const sent = await sendToRoom(xena, 'my mistake');
    const mistake = await waitForPost('my mistake');
    await sendToRoom(xena, 'retracted a message',
        [xml('retract', {xmlns: kRetractNs, id: sent.stanzaId})]);
    await until(async () => !(await posts()).some((p) => p.id === mistake.id),
        'the post to be deleted');
    assert.deepEqual(await roomMessages(xena), []);
  });

  test('reactions both ways', async () => {
    const post = await alice.createPost({channel_id: world.channels.partner, message: 'react'});
    const shown = await xena.waitFor((s) => s.getChildText('body') === 'react');
    const reactionId = id('r');
    await xena.send(reactionMessage({type: 'groupchat', to: kRoom, id: reactionId},
        stanzaId(shown), ['👍']));
    await until(async () => ((await alice.getReactionsForPost(post.id)) || [])
        .some((r) => r.emoji_name === '+1'), 'xena\'s reaction on the post');

    await sendToRoom(xena, 'react to me');
    const xenaPost = await waitForPost('react to me');
    await alice.addReaction(world.users.alice.id, xenaPost.id, 'heart');
    const reaction = await yuri.waitFor((s) => s.is('message') && reactionsOf(s) &&
        s.attrs.from === `${kRoom}/${kAliceNick}`);
    assert.deepEqual(reactionsOf(reaction).emoji, ['❤️']);
  });

  test('a file from Mattermost: the puppet sends its URL (body == OOB URL), which serves the bytes',
      async () => {
        const bytes = Buffer.from('partner attachment\n'.repeat(20));
        const form = new FormData();
        form.append('channel_id', world.channels.partner);
        form.append('files', new Blob([bytes]), 'notes.txt');
        const uploaded = await alice.uploadFile(form);
        await alice.createPost({channel_id: world.channels.partner, message: 'see the notes',
          file_ids: [uploaded.file_infos[0].id]});
        await xena.waitFor((s) => s.getChildText('body') === 'see the notes');
        const file = await xena.waitFor((s) => s.is('message') && s.getChild('x', kOob));
        assert.equal(file.attrs.from, `${kRoom}/${kAliceNick}`);
        const url = file.getChild('x', kOob).getChildText('url');
        assert.equal(file.getChildText('body'), url);
        assert.ok(url.includes(`/api/v4/parley/bridge_files/${uploaded.file_infos[0].id}/`), url);
        assert.ok(stanzaId(file), 'the room stamped a stanza-id');
        const response = await fetch(url);
        assert.equal(response.status, 200);
        assert.deepEqual(Buffer.from(await response.arrayBuffer()), bytes);
      });

  test('a file an occupant sends (body == URL plus OOB) arrives intact as the puppet\'s file',
      async () => {
        const bytes = Buffer.from('from the partner room\n'.repeat(30));
        const server = http.createServer((request, response) => {
          response.writeHead(200, {'Content-Type': 'text/plain'});
          response.end(bytes);
        });
        await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
        try {
          const url = `http://127.0.0.1:${server.address().port}/files/report.txt`;
          await sendToRoom(xena, url, [xml('x', {xmlns: kOob}, xml('url', {}, url))]);
          await until(async () => (await posts()).some((p) => p.file_ids?.length === 1 &&
              p.metadata?.files?.[0]?.name === 'report.txt'), 'the file\'s post');
          const post = (await posts()).find((p) => p.metadata?.files?.[0]?.name === 'report.txt');
          assert.equal(post.message, '', 'body == URL: the post is the file alone');
          assert.match((await alice.getUser(post.user_id)).username, /^xena:conference\.localhost/);
          const got = await fetch(alice.getFileUrl(post.file_ids[0], 0),
              {headers: {Authorization: `Bearer ${alice.getToken()}`}});
          assert.equal(got.status, 200);
          assert.deepEqual(Buffer.from(await got.arrayBuffer()), bytes);
        } finally {
          server.close();
        }
      });

  test('a nick taken in the room: the puppet joins with a number', async () => {
    await joinRoom(yuri, 'bob (MM)');
    await bob.createPost({channel_id: world.channels.partner, message: 'bob speaks'});
    const got = await xena.waitFor((s) => s.is('message') && s.getChildText('body') ===
        'bob speaks');
    assert.equal(got.attrs.from, `${kRoom}/bob (MM) 2`);
  });

  test('a link made through the admin API: Parley joins the room unasked; deleted: it leaves',
      async () => {
        await joinRoom(xena, 'xena', kAnnex);
        const admin = world.client('admin');
        const link = await call(admin, 'POST', '/parley/links',
            {channel_id: world.channels.annex, bridge: 'xmpp', remote_room: kAnnex});
        // Nobody in Mattermost posted: the listener joins anyway, to hear the room.
        await xena.waitFor((s) => s.is('presence') && s.attrs.from === `${kAnnex}/Mattermost` &&
            s.attrs.type !== 'unavailable', 20_000);
        await sendToRoom(xena, 'into the annex', [], id('x'), kAnnex);
        await until(async () => (await posts('annex')).some((p) => p.message === 'into the annex'),
            'the annex message in its channel');
        await call(admin, 'DELETE', `/parley/links/${link.id}`);
        await xena.waitFor((s) => s.is('presence') && s.attrs.from === `${kAnnex}/Mattermost` &&
            s.attrs.type === 'unavailable', 20_000);
        await sendToRoom(xena, 'after the unlink', [], id('x'), kAnnex);
        await new Promise((resolve) => setTimeout(resolve, 1000));
        assert.ok(!(await posts('annex')).some((p) => p.message === 'after the unlink'));
      });

  test('after Prosody restarts, Parley\'s occupants are back and messages flow again',
      async () => {
        const joinedBefore = joinedLines();
        await prosody.stop();
        await prosody.start();
        await eventually(() => joinedLines() > joinedBefore, 'Parley to rejoin', 30_000);
        await until(async () => xena.sessions > 1 && yuri.sessions > 1, 'clients reconnected',
            30_000);
        xena.stanzas = [];
        const presences = await xena.join(kRoom, 'xena', 0);
        const nicks = presences.filter((s) => s.is('presence') && s.attrs.type !== 'unavailable')
            .map((s) => s.attrs.from.split('/')[1]);
        for (const nick of ['Mattermost', kAliceNick]) {
          assert.ok(nicks.includes(nick), `${nick} is in the room again: ${nicks}`);
        }
        await alice.createPost({channel_id: world.channels.partner, message: 'after the restart'});
        await xena.waitFor((s) => s.getChildText('body') === 'after the restart', 20_000);
        await sendToRoom(xena, 'xena after the restart');
        await waitForPost('xena after the restart');
      });

  // parleyd serves again (a new log, another port) and rejoins; once `message` is posted and a
  // while has passed, the channel's posts.
  const serveAgainUntil = async (message) => {
    await gateway.serve();
    alice = world.client('alice');
    bob = world.client('bob');
    await eventually(() => joinedLines() >= 1, 'Parley to rejoin', 30_000);
    await waitForPost(message);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    return posts();
  };

  test('what the room said while parleyd was down arrives once', async () => {
    const before = (await posts()).length;
    await gateway.shutdown();
    // Parley's occupants are gone from the room.
    await xena.waitFor((s) => s.is('presence') && s.attrs.type === 'unavailable' &&
        s.attrs.from === `${kRoom}/Mattermost`);
    await sendToRoom(xena, 'while down 1');
    await sendToRoom(xena, 'while down 2');
    const all = await serveAgainUntil('while down 2');
    assert.equal(all.filter((p) => p.message === 'while down 1').length, 1);
    assert.equal(all.filter((p) => p.message === 'while down 2').length, 1);
    assert.equal(all.length, before + 2, 'nothing else was imported again');
    const order = all.map((p) => p.message);
    assert.ok(order.indexOf('while down 2') < order.indexOf('while down 1'), 'in order');
    // They came from the room's archive (XEP-0313), after the last message of the link.
    assert.ok(gateway.log().split('\n').some((line) =>
      line.includes('"msg":"caught up with a partner room\'s archive"') &&
      line.includes('"messages":2')), 'the catch-up read the two messages from the archive');
    // And live again.
    await sendToRoom(xena, 'live again');
    await waitForPost('live again');
  });

  test('parleyd SIGKILLed: its occupants come back and what the room said meanwhile arrives once',
      async () => {
        const before = (await posts()).length;
        await gateway.kill();
        // Parley's occupants did not leave: the room bounces their copies off the component.
        await sendToRoom(xena, 'while killed');
        const all = await serveAgainUntil('while killed');
        assert.equal(all.filter((p) => p.message === 'while killed').length, 1);
        assert.equal(all.length, before + 1, 'nothing else was imported again');
        await alice.createPost({channel_id: world.channels.partner, message: 'alice is back'});
        const back = await xena.waitFor((s) => s.getChildText('body') === 'alice is back', 20_000);
        assert.equal(back.attrs.from, `${kRoom}/${kAliceNick}`);
        await sendToRoom(xena, 'live after the kill');
        await waitForPost('live after the kill');
      });
});
