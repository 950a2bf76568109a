'use strict';
// The Matrix bridge end to end (issue 7): a real parleyd + PostgreSQL as the Application
// Service of a fake homeserver written from the Matrix specification (lib/fake_homeserver.js).
// Two channels linked to rooms: `town-square` (by alias, a public room) where everything
// crosses, and `vault` (by room id, invite-only), labelled SECRET, which the bundle keeps from
// the UNCLASSIFIED peer in both directions. Then the AS API's bad input and the homeserver's
// redeliveries.

const assert = require('node:assert/strict');
const {after, before, describe, test} = require('node:test');

const {call} = require('../lib/policy');
const {kPeerClearanceRule} = require('../lib/policy_enforcement');
const {openMatrixBundle, putTransaction, startMatrix, until} = require('../lib/matrix');
const {buildWorld} = require('../lib/world');

const kBundle = openMatrixBundle('e2e-matrix', kPeerClearanceRule);

const kBob = '@bob:hs.test';
const kCarol = '@carol:hs.test';

describe('matrix bridge: messages both ways', () => {
  let hs;
  let gateway;
  let world;
  let registration;
  let alice;
  let town;   // room ids
  let vault;

  before(async () => {
    ({hs, gateway, registration, context: world} = await startMatrix({
      bundle: kBundle,
      setup: async (gw, server) => {
        const built = await buildWorld(gw, {
          users: {alice: 'system_user'},
          teams: {ops: ['admin', 'alice']},
          channels: {
            town: {team: 'ops', name: 'town-square', members: ['admin', 'alice']},
            vault: {team: 'ops', name: 'vault', members: ['admin', 'alice']},
          },
        });
        await call(built.client('admin'), 'PUT',
            `/channels/${built.channels.vault}/policy_attributes`, {label: 'SECRET'});
        server.registerUser(kBob, 'Bob B');
        server.registerUser(kCarol, 'Carol C');
        town = server.createRoom({creator: kBob, alias: '#town:hs.test'});
        vault = server.createRoom({creator: kBob, joinRule: 'invite'});
        server.join(kCarol, town);
        server.join(kCarol, vault);
        return built;
      },
      links: () => ['{channel: ops/town-square, bridge: matrix, remote: "#town:hs.test"}',
        `{channel: ops/vault, bridge: matrix, remote: "${vault}"}`],
    }));
    alice = world.client('alice');
    // The invite-only room: Bob invites the bot, which joins (and invites puppets later).
    hs.membership(hs.rooms.get(vault), kBob, hs.bot, 'invite');
    await hs.waitFor(() => hs.rooms.get(vault).members.get(hs.bot) === 'join', 'the bot to join');
  });

  after(async () => {
    await gateway?.stop();
    await hs?.stop();
  });

  const posts = async (channel) => {
    const list = await alice.getPosts(world.channels[channel], 0, 200);
    return list.order.map((id) => list.posts[id]).reverse();
  };
  const postIn = (channel, predicate, what) => until(async () =>
    (await posts(channel)).find(predicate), what);
  const bridgedBody = (room, body) => hs.bridged(room).find((e) => e.content.body === body);

  test('the registration: tokens kept, the namespaces and rate_limited false', async () => {
    assert.match(registration.as_token, /^[0-9a-f]{64}$/);
    assert.match(registration.hs_token, /^[0-9a-f]{64}$/);
    assert.notEqual(registration.as_token, registration.hs_token);
    assert.equal(registration.id, 'parley-e2e');
    assert.equal(registration.sender_localpart, 'parleybot');
    assert.equal(registration.rate_limited, 'false');
    assert.equal(registration.namespaces.users[0].regex, '@mm_.*:hs\\.test');
    const again = await gateway.parleyd(['matrix', 'registration']);
    assert.equal(again.code, 0);
    assert.ok(again.stdout.includes(`as_token: ${registration.as_token}`), 'the same tokens');
    assert.ok(!gateway.log().includes(registration.as_token), 'no token in the log');
    assert.ok(!gateway.log().includes(registration.hs_token), 'no token in the log');
  });

  test('text both ways as puppets, and no echo', async () => {
    const post = await alice.createPost({channel_id: world.channels.town, message: 'hello matrix'});
    const event = await hs.waitFor(() => bridgedBody(town, 'hello matrix'), 'the post in the room');
    assert.equal(event.sender, '@mm_alice:hs.test');
    assert.equal(event.content.msgtype, 'm.text');
    assert.equal(hs.users.get('@mm_alice:hs.test').displayname.length > 0, true);
    // Registered with inhibit_login (the fake refuses a registration without it).
    assert.ok(hs.requests.some((r) => r.path === '_matrix/client/v3/register'));

    const eventId = hs.send(kBob, town, {msgtype: 'm.text', body: 'hello mattermost'});
    const inbound = await postIn('town', (p) => p.message === 'hello mattermost', 'the post');
    const author = await alice.getUser(inbound.user_id);
    assert.equal(author.username, 'bob:hs.test');
    assert.ok(eventId.startsWith('$'));

    // No echo: alice's post came back from the homeserver (the puppet is joined) and was not
    // posted again; Bob's message did not go back to the room.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.equal((await posts('town')).filter((p) => p.message === 'hello matrix').length, 1);
    assert.equal(hs.bridged(town).filter((e) => e.content.body === 'hello mattermost').length, 0);
    assert.ok(post.id);
  });

  test('formatting, emotes and reactions, both ways', async () => {
    const post = await alice.createPost({channel_id: world.channels.town,
      message: 'some **bold** and `code`'});
    const event = await hs.waitFor(() => hs.bridged(town).find((e) =>
      e.content.formatted_body?.includes('<strong>bold</strong>')), 'the formatted post');
    assert.equal(event.content.format, 'org.matrix.custom.html');
    assert.ok(event.content.formatted_body.includes('<code>code</code>'));
    assert.ok(!event.content.body.includes('<'), 'the body is plain text');

    hs.send(kBob, town, {msgtype: 'm.text', body: 'bob says hi there',
      format: 'org.matrix.custom.html',
      formatted_body: '<em>bob</em> says <strong>hi</strong> there<script>alert(1)</script>'});
    const formatted = await postIn('town', (p) => p.message.includes('says') &&
      p.message.includes('hi') && p.message.includes('there') && p.message.includes('bob'), 'post');
    assert.match(formatted.message, /\*\*hi\*\*/);
    assert.ok(!formatted.message.includes('script') && !formatted.message.includes('alert'));

    hs.send(kBob, town, {msgtype: 'm.emote', body: 'waves'});
    await postIn('town', (p) => p.message.includes('waves') && p.user_id === formatted.user_id,
        'the emote');

    // A reaction both ways; its removal redacts the puppet's m.reaction.
    await alice.addReaction(world.users.alice.id, post.id, '+1');
    const reaction = await hs.waitFor(() => hs.bridged(town, 'm.reaction').find((e) =>
      e.content['m.relates_to']?.event_id === event.event_id), 'the reaction');
    assert.equal(reaction.content['m.relates_to'].key, '👍');
    await alice.removeReaction(world.users.alice.id, post.id, '+1');
    await hs.waitFor(() => hs.timeline(town).some((e) => e.type === 'm.room.redaction' &&
      e.redacts === reaction.event_id), 'the reaction redacted');
    hs.send(kBob, town, {'m.relates_to': {rel_type: 'm.annotation', event_id: event.event_id,
      key: '🎉'}}, 'm.reaction');
    await until(async () => (await alice.getReactionsForPost(post.id) ?? []).some((r) =>
      r.user_id !== world.users.alice.id && r.emoji_name === 'tada'), 'the Matrix reaction');
  });

  test('a thread reply under the right root, both ways', async () => {
    const root = await alice.createPost({channel_id: world.channels.town, message: 'root post'});
    const rootEvent = await hs.waitFor(() => bridgedBody(town, 'root post'), 'the root');
    await alice.createPost({channel_id: world.channels.town, message: 'reply one',
      root_id: root.id});
    const reply = await hs.waitFor(() => bridgedBody(town, 'reply one'), 'the reply');
    assert.equal(reply.content['m.relates_to'].rel_type, 'm.thread');
    assert.equal(reply.content['m.relates_to'].event_id, rootEvent.event_id);
    assert.equal(reply.content['m.relates_to'].is_falling_back, true);

    hs.send(kBob, town, {msgtype: 'm.text', body: 'matrix thread reply',
      'm.relates_to': {rel_type: 'm.thread', event_id: rootEvent.event_id,
        is_falling_back: true, 'm.in_reply_to': {event_id: reply.event_id}}});
    const threaded = await postIn('town', (p) => p.message === 'matrix thread reply', 'reply');
    assert.equal(threaded.root_id, root.id);
    // A plain Matrix reply to the thread's reply lands under the thread's root.
    hs.send(kCarol, town, {msgtype: 'm.text', body: 'plain reply',
      'm.relates_to': {'m.in_reply_to': {event_id: reply.event_id}}});
    const plain = await postIn('town', (p) => p.message === 'plain reply', 'plain reply');
    assert.equal(plain.root_id, root.id);
  });

  test('an edit and a deletion, both ways', async () => {
    const post = await alice.createPost({channel_id: world.channels.town, message: 'typo herre'});
    const original = await hs.waitFor(() => bridgedBody(town, 'typo herre'), 'the post');
    await alice.patchPost({id: post.id, message: 'typo here'});
    const edit = await hs.waitFor(() => hs.bridged(town).find((e) =>
      e.content['m.relates_to']?.rel_type === 'm.replace' &&
      e.content['m.relates_to'].event_id === original.event_id), 'the edit');
    assert.equal(edit.content['m.new_content'].body, 'typo here');
    await alice.deletePost(post.id);
    await hs.waitFor(() => hs.timeline(town).some((e) => e.type === 'm.room.redaction' &&
      e.redacts === original.event_id), 'the redaction');

    const mine = hs.send(kBob, town, {msgtype: 'm.text', body: 'bob typo'});
    const inbound = await postIn('town', (p) => p.message === 'bob typo', 'bob post');
    hs.send(kBob, town, {msgtype: 'm.text', body: '* bob fixed',
      'm.new_content': {msgtype: 'm.text', body: 'bob fixed'},
      'm.relates_to': {rel_type: 'm.replace', event_id: mine}});
    await until(async () => (await alice.getPost(inbound.id)).message === 'bob fixed', 'the edit');
    hs.redact(kBob, town, mine);
    await until(async () => !(await posts('town')).some((p) => p.id === inbound.id), 'deleted');
    // Carol cannot edit Bob's message.
    const other = hs.send(kBob, town, {msgtype: 'm.text', body: 'bob only'});
    const otherPost = await postIn('town', (p) => p.message === 'bob only', 'bob post');
    hs.send(kCarol, town, {msgtype: 'm.text', body: '* hijacked',
      'm.new_content': {msgtype: 'm.text', body: 'hijacked'},
      'm.relates_to': {rel_type: 'm.replace', event_id: other}});
    hs.send(kBob, town, {msgtype: 'm.text', body: 'after the hijack'});
    await postIn('town', (p) => p.message === 'after the hijack', 'the next post');
    assert.equal((await alice.getPost(otherPost.id)).message, 'bob only');
  });

  test('a 429 is waited out: the message arrives once', async () => {
    hs.rateLimit(2, 400);
    const started = Date.now();
    await alice.createPost({channel_id: world.channels.town, message: 'slow down'});
    await hs.waitFor(() => bridgedBody(town, 'slow down'), 'the post after the 429s');
    assert.ok(Date.now() - started >= 700, 'waited retry_after_ms twice');
    assert.equal(hs.bridged(town).filter((e) => e.content.body === 'slow down').length, 1);
  });

  test('policy: the SECRET vault crosses in neither direction, audited', async () => {
    const admin = world.client('admin');
    const post = await alice.createPost({channel_id: world.channels.vault, message: 'eyes only'});
    await until(async () => (await call(admin, 'GET',
        '/parley/audit?action=message.egress&decision=deny'))
        .some((r) => r.resource === `post:${post.id}`), 'the egress denial to be audited');
    assert.equal(hs.bridged(vault).length, 0, 'nothing reached the vault room');

    const before = (await posts('vault')).length;
    hs.send(kBob, vault, {msgtype: 'm.text', body: 'let me in on it'});
    await until(async () => (await call(admin, 'GET',
        '/parley/audit?action=message.ingress&decision=deny'))
        .some((r) => r.rules.includes('B1-peer-clearance') &&
          r.detail?.remote_user === kBob), 'the ingress denial to be audited');
    assert.equal((await posts('vault')).length, before);
    // The denial was acknowledged: later transactions still flow.
    hs.send(kBob, town, {msgtype: 'm.text', body: 'after the denial'});
    await postIn('town', (p) => p.message === 'after the denial', 'the next post');
  });

  test('the AS API: tokens, malformed transactions, route families', async () => {
    const event = (id, body) => ({event_id: id, room_id: town, sender: kCarol,
      type: 'm.room.message', origin_server_ts: Date.now(), content: {msgtype: 'm.text', body}});
    const missing = await putTransaction(gateway, 'x1', {events: [event('$bad1', 'nope')]});
    assert.equal(missing.status, 401);
    assert.equal(missing.body.errcode, 'M_MISSING_TOKEN');
    const wrong = await putTransaction(gateway, 'x1', {events: [event('$bad2', 'nope')]},
        {token: registration.as_token});
    assert.equal(wrong.status, 403);
    assert.equal(wrong.body.errcode, 'M_FORBIDDEN');
    const notJson = await putTransaction(gateway, 'x2', '{"events": [', {
      token: registration.hs_token, raw: true});
    assert.equal(notJson.status, 400);
    assert.equal(notJson.body.errcode, 'M_NOT_JSON');
    const badShape = await putTransaction(gateway, 'x3', {events: 'no'},
        {token: registration.hs_token});
    assert.equal(badShape.status, 400);
    assert.equal(badShape.body.errcode, 'M_BAD_JSON');
    assert.equal((await posts('town')).filter((p) => p.message === 'nope').length, 0);

    // The legacy route with ?access_token= (Synapse before 1.81).
    const legacy = await putTransaction(gateway, 'legacy-1', {events: [event('$legacy1', 'legacy')]},
        {token: registration.hs_token, route: '', query: true});
    assert.equal(legacy.status, 200);
    assert.ok((await posts('town')).some((p) => p.message === 'legacy'), 'committed before the 200');

    // The user query registers a local user's puppet; anyone else is unknown.
    const query = (user, token) => fetch(`${gateway.url}/matrix/_matrix/app/v1/users/` +
      encodeURIComponent(user), {headers: {Authorization: `Bearer ${token}`}});
    assert.equal((await query('@mm_admin:hs.test', registration.hs_token)).status, 200);
    assert.ok(hs.users.has('@mm_admin:hs.test'));
    assert.equal((await query('@mm_nobody:hs.test', registration.hs_token)).status, 404);
    assert.equal((await query('@mm_admin:hs.test', 'wrong')).status, 403);
    const ping = await fetch(`${gateway.url}/matrix/_matrix/app/v1/ping`, {method: 'POST',
      headers: {Authorization: `Bearer ${registration.hs_token}`}, body: '{}'});
    assert.equal(ping.status, 200);
  });

  test('the same transaction twice, the same event in two: one post', async () => {
    const event = {event_id: '$twice1', room_id: town, sender: kCarol, type: 'm.room.message',
      origin_server_ts: Date.now(), content: {msgtype: 'm.text', body: 'only once'}};
    for (const txnId of ['dup-1', 'dup-1', 'dup-2']) {
      const reply = await putTransaction(gateway, txnId, {events: [event]},
          {token: registration.hs_token});
      assert.equal(reply.status, 200);
      assert.deepEqual(reply.body, {});
    }
    assert.equal((await posts('town')).filter((p) => p.message === 'only once').length, 1);
    // Events from the AS namespace (an echo, or a forged one) change nothing.
    const forged = {...event, event_id: '$forged1', sender: '@mm_alice:hs.test',
      content: {msgtype: 'm.text', body: 'forged'}};
    assert.equal((await putTransaction(gateway, 'forged-1', {events: [forged]},
        {token: registration.hs_token})).status, 200);
    assert.equal((await posts('town')).filter((p) => p.message === 'forged').length, 0);
  });

  test('events of an unlinked room and changes to unknown events change nothing', async () => {
    const base = {room_id: town, sender: kCarol, origin_server_ts: Date.now()};
    const before = await posts('town');
    const reply = await putTransaction(gateway, 'unknown-1', {events: [
      // A room no link names (the puppets' other rooms): not bridged anywhere.
      {...base, room_id: '!unlinked:hs.test', event_id: '$stray1', type: 'm.room.message',
        content: {msgtype: 'm.text', body: 'stray'}},
      // An edit, a redaction and a reaction naming an event Parley never saw.
      {...base, event_id: '$edit1', type: 'm.room.message', content: {msgtype: 'm.text',
        'body': '* changed', 'm.new_content': {msgtype: 'm.text', body: 'changed'},
        'm.relates_to': {rel_type: 'm.replace', event_id: '$nothere'}}},
      {...base, event_id: '$redact1', type: 'm.room.redaction', redacts: '$nothere',
        content: {redacts: '$nothere'}},
      {...base, event_id: '$react1', type: 'm.reaction', content: {'m.relates_to':
        {rel_type: 'm.annotation', event_id: '$nothere', key: '👍'}}},
      // The transaction's good event still arrives.
      {...base, event_id: '$after1', type: 'm.room.message',
        content: {msgtype: 'm.text', body: 'after the unknowns'}},
    ]}, {token: registration.hs_token});
    assert.equal(reply.status, 200, 'acknowledged: a homeserver would retry anything else forever');
    const now = await posts('town');
    assert.equal(now.length, before.length + 1);
    assert.equal(now.at(-1).message, 'after the unknowns');
    assert.deepEqual(now.slice(0, -1).map((p) => [p.id, p.message, p.update_at]),
        before.map((p) => [p.id, p.message, p.update_at]), 'no earlier post changed');
    for (const channel of ['town', 'vault']) {
      assert.equal((await posts(channel)).filter((p) => /stray|changed/.test(p.message)).length, 0);
    }
  });
});
