'use strict';
// Direct messages over the Matrix bridge (issue 7): a real parleyd + PostgreSQL as the
// Application Service of the fake homeserver. A Matrix user's DM (a room made with is_direct,
// inviting the puppet of a Mattermost user) lands in the direct channel between their puppet
// and that user, through the guard; a Mattermost user's first message to a Matrix user's puppet
// makes the DM room as their own puppet (createRoom with is_direct, the Matrix user invited).
// Replies, reactions, edits and redactions, no echo, the rooms kept across a restart
// (direct_rooms), an invitation for a user Parley does not have rejected, createRoom's 4xx kept
// in the outbox row and its 5xx retried, a third member of a DM room not bridged, a room the
// Matrix user left replaced by a new one at the next message.

const assert = require('node:assert/strict');
const {after, before, describe, test} = require('node:test');

const {scalar, sql} = require('../lib/database');
const {kAsPath, openMatrixBundle, roomsLinked, startMatrix, until} = require('../lib/matrix');
const {buildWorld} = require('../lib/world');

const kCarol = '@carol:hs.test';  // writes to alice first
const kDave = '@dave:hs.test';    // alice writes to him first
const kErin = '@erin:hs.test';    // createRoom refused (4xx)
const kFrank = '@frank:hs.test';  // createRoom fails once (5xx)
const kAlicePuppet = '@mm_alice:hs.test';

describe('matrix bridge: direct messages', () => {
  let hs;
  let gateway;
  let world;
  let alice;
  let town;

  before(async () => {
    ({hs, gateway, context: world} = await startMatrix({
      bundle: openMatrixBundle('e2e-matrix-dm'),
      setup: async (gw, server) => {
        const built = await buildWorld(gw, {
          users: {alice: 'system_user', bob: 'system_user'},
          teams: {ops: ['admin', 'alice', 'bob']},
          channels: {town: {team: 'ops', name: 'town-square', members: ['admin', 'alice', 'bob']}},
        });
        for (const user of [kCarol, kDave, kErin, kFrank]) server.registerUser(user, user.slice(1, 5));
        town = server.createRoom({creator: kCarol, alias: '#town:hs.test'});
        for (const user of [kDave, kErin, kFrank]) server.join(user, town);
        return built;
      },
      links: () => ['{channel: ops/town-square, bridge: matrix, remote: "#town:hs.test"}'],
    }));
    alice = world.client('alice');
  });

  after(async () => {
    await gateway?.stop();
    await hs?.stop();
  });

  const postsOf = async (client, channelId) => {
    const list = await client.getPosts(channelId, 0, 200);
    return list.order.map((id) => list.posts[id]).reverse();
  };
  const directWith = async (client, userId, puppetId) =>
    (await client.getMyChannels(world.teams.ops)).filter((c) => c.type === 'D' &&
      c.name.includes(userId) && c.name.includes(puppetId));
  const puppetOf = async (username) => until(async () =>
    (await alice.searchUsers(username, {})).find((u) => u.username === username),
  `the puppet ${username}`);
  // A Matrix user speaks in the linked room: from then on Parley has their puppet.
  const speakInTown = async (mxid) => {
    const body = `${mxid.slice(1, mxid.indexOf(':'))} speaks in town`;
    hs.send(mxid, town, {msgtype: 'm.text', body});
    await until(async () => (await postsOf(alice, world.channels.town)).some((p) =>
      p.message === body), `${mxid} in town`);
    return puppetOf(`${mxid.slice(1, mxid.indexOf(':'))}:hs.test`);
  };
  const directInvitations = (mxid) => hs.directRoomsOf(mxid);

  let carolRoom;
  let carolDirect;  // alice's direct channel with carol's puppet
  let carolFirst;   // carol's first message: {eventId, post}
  let aliceAnswer;  // alice's answer: {event, post}

  test('a DM started from Matrix lands in the direct channel and is answered from Mattermost', async () => {
    carolRoom = hs.createDirectRoom(kCarol, kAlicePuppet);
    await hs.waitFor(() => hs.rooms.get(carolRoom).members.get(kAlicePuppet) === 'join',
        'alice\'s puppet to accept the DM');
    const eventId = hs.send(kCarol, carolRoom, {msgtype: 'm.text', body: 'hello alice, carol here'});
    const puppet = await puppetOf('carol:hs.test');
    const post = await until(async () => {
      const [direct] = await directWith(alice, world.users.alice.id, puppet.id);
      if (!direct) return null;
      carolDirect = direct;
      return (await postsOf(alice, direct.id)).find((p) => p.message === 'hello alice, carol here');
    }, 'carol\'s DM in alice\'s direct channel');
    assert.equal(post.user_id, puppet.id);
    carolFirst = {eventId, post};
    // Through the guard, audited with the puppet as the subject.
    assert.notEqual(await scalar(gateway, `SELECT count(*) FROM audit_log
        WHERE action = 'message.ingress' AND decision = 'permit' AND subject = '${puppet.id}'`), '0');

    const answer = await alice.createPost({channel_id: carolDirect.id, message: 'hi **carol**'});
    const event = await hs.waitFor(() => hs.bridged(carolRoom).find((e) =>
      e.content.body === 'hi carol' || e.content.body === 'hi **carol**'), 'alice\'s answer');
    assert.equal(event.sender, kAlicePuppet);
    assert.ok(event.content.formatted_body.includes('<strong>carol</strong>'));
    aliceAnswer = {event, post: answer};

    // No echo: alice's answer came back to Parley (her puppet is joined) and was not posted
    // again; carol's message did not go back to the room.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const posts = await postsOf(alice, carolDirect.id);
    assert.deepEqual(posts.map((p) => p.message), ['hello alice, carol here', 'hi **carol**']);
    assert.equal(hs.bridged(carolRoom).length, 1);
    // One room for the pair, the one carol made.
    assert.deepEqual(directInvitations(kAlicePuppet).map((r) => r.id), [carolRoom]);
  });

  test('a reply and reactions in a DM, both ways', async () => {
    // carol replies to alice's answer: under it in the direct channel.
    hs.send(kCarol, carolRoom, {msgtype: 'm.text', body: 'a reply from carol',
      'm.relates_to': {'m.in_reply_to': {event_id: aliceAnswer.event.event_id}}});
    const reply = await until(async () => (await postsOf(alice, carolDirect.id)).find((p) =>
      p.message === 'a reply from carol'), 'carol\'s reply');
    assert.equal(reply.root_id, aliceAnswer.post.id);

    // alice replies in the thread of carol's first message: an m.thread under its event.
    await alice.createPost({channel_id: carolDirect.id, message: 'threaded answer',
      root_id: carolFirst.post.id});
    const threaded = await hs.waitFor(() => hs.bridged(carolRoom).find((e) =>
      e.content.body === 'threaded answer'), 'alice\'s thread reply');
    assert.equal(threaded.content['m.relates_to'].rel_type, 'm.thread');
    assert.equal(threaded.content['m.relates_to'].event_id, carolFirst.eventId);

    // alice reacts to carol's message; carol reacts to alice's.
    await alice.addReaction(world.users.alice.id, carolFirst.post.id, '+1');
    const reaction = await hs.waitFor(() => hs.bridged(carolRoom, 'm.reaction').find((e) =>
      e.content['m.relates_to']?.event_id === carolFirst.eventId), 'alice\'s reaction');
    assert.equal(reaction.content['m.relates_to'].key, '👍');
    assert.equal(reaction.sender, kAlicePuppet);
    hs.send(kCarol, carolRoom, {'m.relates_to': {rel_type: 'm.annotation',
      event_id: aliceAnswer.event.event_id, key: '🎉'}}, 'm.reaction');
    await until(async () => (await alice.getReactionsForPost(aliceAnswer.post.id) ?? []).some((r) =>
      r.user_id === carolFirst.post.user_id && r.emoji_name === 'tada'), 'carol\'s reaction');
    // Nothing went back the way it came: one reaction event in the room (alice's).
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(hs.bridged(carolRoom, 'm.reaction').length, 1);
  });

  test('an edit and a redaction in a DM, both ways', async () => {
    const mine = hs.send(kCarol, carolRoom, {msgtype: 'm.text', body: 'carol typo'});
    const inbound = await until(async () => (await postsOf(alice, carolDirect.id)).find((p) =>
      p.message === 'carol typo'), 'carol\'s post');
    hs.send(kCarol, carolRoom, {msgtype: 'm.text', body: '* carol fixed',
      'm.new_content': {msgtype: 'm.text', body: 'carol fixed'},
      'm.relates_to': {rel_type: 'm.replace', event_id: mine}});
    await until(async () => (await alice.getPost(inbound.id)).message === 'carol fixed', 'the edit');
    hs.redact(kCarol, carolRoom, mine);
    await until(async () => !(await postsOf(alice, carolDirect.id)).some((p) =>
      p.id === inbound.id), 'the redaction');

    const post = await alice.createPost({channel_id: carolDirect.id, message: 'alice typo'});
    const original = await hs.waitFor(() => hs.bridged(carolRoom).find((e) =>
      e.content.body === 'alice typo'), 'alice\'s post');
    await alice.patchPost({id: post.id, message: 'alice fixed'});
    const edit = await hs.waitFor(() => hs.bridged(carolRoom).find((e) =>
      e.content['m.relates_to']?.rel_type === 'm.replace' &&
      e.content['m.relates_to'].event_id === original.event_id), 'the edit');
    assert.equal(edit.content['m.new_content'].body, 'alice fixed');
    await alice.deletePost(post.id);
    await hs.waitFor(() => hs.timeline(carolRoom).some((e) => e.type === 'm.room.redaction' &&
      e.redacts === original.event_id), 'the redaction');
  });

  let daveRoom;
  let daveDirect;

  test('a DM started from Mattermost makes the room as the puppet and is answered from Matrix', async () => {
    const puppet = await speakInTown(kDave);
    daveDirect = await alice.createDirectChannel([world.users.alice.id, puppet.id]);
    await alice.createPost({channel_id: daveDirect.id, message: 'hello dave'});
    const room = await hs.waitFor(() => directInvitations(kDave)[0], 'the DM room with dave');
    daveRoom = room.id;
    assert.equal(room.creator, kAlicePuppet);
    assert.equal(room.preset, 'trusted_private_chat');
    assert.equal(room.joinRule, 'invite');
    assert.equal(room.members.get(kDave), 'invite');
    const invite = room.events.find((e) => e.type === 'm.room.member' && e.state_key === kDave);
    assert.equal(invite.content.is_direct, true);
    const sent = await hs.waitFor(() => hs.bridged(daveRoom).find((e) =>
      e.content.body === 'hello dave'), 'alice\'s message in the room');
    assert.equal(sent.sender, kAlicePuppet);

    // dave accepts and answers: the same direct channel, not another one.
    hs.join(kDave, daveRoom);
    hs.send(kDave, daveRoom, {msgtype: 'm.text', body: 'hi alice, dave here'});
    await until(async () => (await postsOf(alice, daveDirect.id)).some((p) =>
      p.message === 'hi alice, dave here' && p.user_id === puppet.id), 'dave\'s answer');
    assert.deepEqual((await directWith(alice, world.users.alice.id, puppet.id)).map((c) => c.id),
        [daveDirect.id]);
    await alice.createPost({channel_id: daveDirect.id, message: 'second to dave'});
    await hs.waitFor(() => hs.bridged(daveRoom).some((e) => e.content.body === 'second to dave'),
        'the second message in the same room');
    assert.equal(directInvitations(kDave).length, 1, 'one room for the pair');
  });

  test('after a restart of parleyd both DMs keep their rooms', async () => {
    const roomsBefore = hs.rooms.size;
    await gateway.restart();
    await roomsLinked(gateway);
    // The restarted parleyd listens on a new port: the homeserver and alice's client follow.
    hs.setAppService(`${gateway.url}${kAsPath}`);
    alice = world.client('alice');
    await alice.createPost({channel_id: daveDirect.id, message: 'dave, after the restart'});
    await hs.waitFor(() => hs.bridged(daveRoom).some((e) =>
      e.content.body === 'dave, after the restart'), 'the message in the same room');
    await alice.createPost({channel_id: carolDirect.id, message: 'carol, after the restart'});
    await hs.waitFor(() => hs.bridged(carolRoom).some((e) =>
      e.content.body === 'carol, after the restart'), 'the message in carol\'s room');
    hs.send(kCarol, carolRoom, {msgtype: 'm.text', body: 'carol is still here'});
    await until(async () => (await postsOf(alice, carolDirect.id)).some((p) =>
      p.message === 'carol is still here'), 'carol\'s message after the restart');
    assert.equal(hs.rooms.size, roomsBefore, 'no second room');
    assert.equal(directInvitations(kDave).length, 1);
    assert.equal(await scalar(gateway, 'SELECT count(*) FROM direct_rooms'), '2');
  });

  test('an invitation for the puppet of a user Parley does not have is rejected', async () => {
    // bob's puppet exists (he wrote in town), then bob is deactivated.
    const bob = world.client('bob');
    await bob.createPost({channel_id: world.channels.town, message: 'bob in town'});
    await hs.waitFor(() => hs.bridged(town).some((e) => e.content.body === 'bob in town'), 'bob');
    await world.client('admin').updateUserActive(world.users.bob.id, false);
    const room = hs.createDirectRoom(kCarol, '@mm_bob:hs.test');
    await hs.waitFor(() => hs.rooms.get(room).members.get('@mm_bob:hs.test') === 'leave',
        'the invitation rejected');
    assert.ok(gateway.log().includes('a direct invitation for a user Parley does not have is rejected'));
    // Nothing of it is kept, and carol's message there goes nowhere.
    hs.send(kCarol, room, {msgtype: 'm.text', body: 'to nobody'});
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.equal(await scalar(gateway,
        `SELECT count(*) FROM direct_rooms WHERE room_id = '${room}'`), '0');
    assert.equal(await scalar(gateway, 'SELECT count(*) FROM posts WHERE message = \'to nobody\''), '0');
  });

  test('createRoom refused with a 4xx: the row is rejected with the errcode; a 5xx is retried', async () => {
    const erin = await speakInTown(kErin);
    hs.refuseCreateRoom(403, 'M_FORBIDDEN');
    const toErin = await alice.createDirectChannel([world.users.alice.id, erin.id]);
    await alice.createPost({channel_id: toErin.id, message: 'hello erin'});
    const rows = await until(async () => {
      const found = await sql(gateway, `SELECT o.state, o.last_error FROM outbox o
          JOIN links l ON l.id = o.link_id WHERE l.remote_room LIKE 'dm:%:${kErin}'`);
      return found.length && found[0][0] !== 'pending' ? found : null;
    }, 'the rejected row');
    assert.equal(rows[0][0], 'failed');
    assert.match(rows[0][1], /M_FORBIDDEN/);
    assert.equal(directInvitations(kErin).length, 0);

    const frank = await speakInTown(kFrank);
    hs.refuseCreateRoom(500, 'M_UNKNOWN');
    const toFrank = await alice.createDirectChannel([world.users.alice.id, frank.id]);
    await alice.createPost({channel_id: toFrank.id, message: 'hello frank'});
    const room = await hs.waitFor(() => directInvitations(kFrank)[0], 'the room after a retry',
        30_000);
    await hs.waitFor(() => hs.bridged(room.id).some((e) => e.content.body === 'hello frank'),
        'the message after a retry', 30_000);
    assert.equal(directInvitations(kFrank).length, 1);
  });

  test('a third member of a DM room is not bridged', async () => {
    // carol lets frank into her DM with alice; what he says there reaches nobody.
    hs.membership(hs.rooms.get(carolRoom), kCarol, kFrank, 'invite');
    hs.join(kFrank, carolRoom);
    hs.send(kFrank, carolRoom, {msgtype: 'm.text', body: 'frank intrudes'});
    hs.send(kCarol, carolRoom, {msgtype: 'm.text', body: 'carol after frank'});
    await until(async () => (await postsOf(alice, carolDirect.id)).some((p) =>
      p.message === 'carol after frank'), 'carol\'s message after frank\'s');
    assert.equal(await scalar(gateway,
        'SELECT count(*) FROM posts WHERE message = \'frank intrudes\''), '0');
    assert.ok(gateway.log().includes('an event of a third member of a direct room is ignored'));
  });

  test('a Matrix user who leaves the DM room gets a new room with the next message', async () => {
    const puppet = await puppetOf('dave:hs.test');
    hs.leave(kDave, daveRoom);
    await hs.waitFor(() => hs.rooms.get(daveRoom).members.get(kAlicePuppet) === 'leave',
        'alice\'s puppet leaving the empty DM');
    assert.equal(await scalar(gateway,
        `SELECT count(*) FROM direct_rooms WHERE room_id = '${daveRoom}'`), '0');

    await alice.createPost({channel_id: daveDirect.id, message: 'dave, are you back?'});
    const room = await hs.waitFor(() => directInvitations(kDave).find((r) => r.id !== daveRoom),
        'a new DM room with dave');
    assert.equal(room.creator, kAlicePuppet);
    await hs.waitFor(() => hs.bridged(room.id).some((e) => e.content.body === 'dave, are you back?'),
        'the message in the new room');
    assert.ok(!hs.bridged(daveRoom).some((e) => e.content.body === 'dave, are you back?'),
        'nothing goes to the room dave left');

    // dave joins the new room and answers: the same direct channel as before.
    hs.join(kDave, room.id);
    hs.send(kDave, room.id, {msgtype: 'm.text', body: 'dave is back'});
    await until(async () => (await postsOf(alice, daveDirect.id)).some((p) =>
      p.message === 'dave is back' && p.user_id === puppet.id), 'dave\'s answer in the new room');
    assert.equal(directInvitations(kDave).length, 2);
  });
});
