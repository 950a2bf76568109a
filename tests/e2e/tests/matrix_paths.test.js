'use strict';
// The Matrix bridge's further paths (issue 7), end to end with a real parleyd + PostgreSQL and
// the fake homeserver (lib/fake_homeserver.js): a Matrix user's reaction taken back by
// redacting its m.reaction, emotes as Mattermost's /me posts, the transaction route's own body
// limit, and rooms Parley creates for links to aliases of its namespace (in gateway.yaml, the
// admin API, or on the homeserver's alias query).

const assert = require('node:assert/strict');
const {spawn} = require('node:child_process');
const {after, before, describe, test} = require('node:test');

const {openMatrixBundle, kAsPath, putTransaction, startMatrix, until} = require('../lib/matrix');
const {scalar} = require('../lib/database');
const {call} = require('../lib/policy');
const {buildWorld} = require('../lib/world');

// Administrators may link channels to the matrix peer (the admin API's channel.link).
const kBundle = openMatrixBundle('e2e-matrix-paths', `  - id: K1-link-matrix
    tier: 2
    effect: permit
    actions: [channel.link]
    bridges: [matrix]
`);

const kBob = '@bob:hs.test';
const kCarol = '@carol:hs.test';

describe('matrix bridge: reactions taken back, emotes, the transaction limit, rooms made', () => {
  let hs;
  let gateway;
  let world;
  let registration;
  let alice;
  let town;

  before(async () => {
    ({hs, gateway, registration, context: world} = await startMatrix({
      bundle: kBundle,
      setup: async (gw, server) => {
        const built = await buildWorld(gw, {
          users: {alice: 'system_user'},
          teams: {ops: ['admin', 'alice']},
          channels: {
            town: {team: 'ops', name: 'town-square', members: ['admin', 'alice']},
            news: {team: 'ops', name: 'news', members: ['admin', 'alice']},
            later: {team: 'ops', name: 'later', members: ['admin', 'alice']},
          },
        });
        await call(built.client('admin'), 'PUT', `/channels/${built.channels.news}/patch`,
            {display_name: 'Coalition News', purpose: 'What the partners need to know'});
        server.registerUser(kBob, 'Bob B');
        server.registerUser(kCarol, 'Carol C');
        town = server.createRoom({creator: kBob, alias: '#town:hs.test'});
        server.join(kCarol, town);
        return built;
      },
      // #mm_news does not exist: Parley creates it when it resolves the link at start.
      links: () => ['{channel: ops/town-square, bridge: matrix, remote: "#town:hs.test"}',
        '{channel: ops/news, bridge: matrix, remote: "#mm_news:hs.test"}'],
    }));
    alice = world.client('alice');
  });

  after(async () => {
    await gateway?.stop();
    await hs?.stop();
  });

  const posts = async () => {
    const list = await alice.getPosts(world.channels.town, 0, 200);
    return list.order.map((id) => list.posts[id]).reverse();
  };
  const postIn = (predicate, what) => until(async () => (await posts()).find(predicate), what);
  const bridgedBody = (body) => hs.bridged(town).find((e) => e.content.body === body);
  // "bob:hs.test tada", ... of the post's live reactions, sorted.
  const reactionsOf = async (postId) => {
    const names = [];
    for (const r of await alice.getReactionsForPost(postId) ?? []) {
      names.push(`${(await alice.getUser(r.user_id)).username} ${r.emoji_name}`);
    }
    return names.sort();
  };

  test('a Matrix user redacts their m.reaction: their puppet\'s reaction goes, nothing else',
      async () => {
        const post = await alice.createPost({channel_id: world.channels.town,
          message: 'react to this'});
        const event = await hs.waitFor(() => bridgedBody('react to this'), 'the post in the room');
        const annotate = (sender, key) => hs.send(sender, town, {'m.relates_to':
          {rel_type: 'm.annotation', event_id: event.event_id, key}}, 'm.reaction');
        const bobTada = annotate(kBob, '🎉');
        annotate(kBob, '❤️');
        annotate(kCarol, '🎉');
        const all = ['bob:hs.test heart', 'bob:hs.test tada', 'carol:hs.test tada'];
        await until(async () => (await reactionsOf(post.id)).length === 3, 'three reactions');
        assert.deepEqual(await reactionsOf(post.id), all);

        // Carol's redaction of Bob's reaction (a forged one: she has no power to) and the
        // redaction of an event nobody knows change nothing; both are acknowledged.
        hs.redact(kCarol, town, bobTada);
        const unknown = await putTransaction(gateway, 'unknown-redaction', {events: [{
          event_id: '$redacts-unknown', room_id: town, sender: kBob, type: 'm.room.redaction',
          redacts: '$never-seen', origin_server_ts: Date.now(), content: {redacts: '$never-seen'},
        }]}, {token: registration.hs_token});
        assert.equal(unknown.status, 200);
        hs.send(kBob, town, {msgtype: 'm.text', body: 'after the forged redaction'});
        await postIn((p) => p.message === 'after the forged redaction', 'the next post');
        assert.deepEqual(await reactionsOf(post.id), all);

        hs.redact(kBob, town, bobTada);
        await until(async () => (await reactionsOf(post.id)).length === 2, 'the reaction gone');
        assert.deepEqual(await reactionsOf(post.id), ['bob:hs.test heart', 'carol:hs.test tada']);
        assert.equal((await alice.getPost(post.id)).message, 'react to this', 'the post stays');
      });

  // The homeserver may hand Parley a reaction (or a reply) to one of its events before the
  // drainer wrote that event into the id map: it is applied all the same. Here the id map's
  // write is held back by a lock on the table until the reaction has landed.
  test('a reaction to an event Parley just sent lands before its id map entry is written',
      async () => {
        const locker = spawn('psql', ['-X', '-q', '-A', '-t', gateway.env.PARLEY_DATABASE_DSN],
            {stdio: ['pipe', 'pipe', 'inherit']});
        const locked = new Promise((resolve) => locker.stdout.once('data', resolve));
        locker.stdin.write('BEGIN; LOCK TABLE id_map IN EXCLUSIVE MODE; SELECT 1;\n');
        await locked;
        try {
          const post = await alice.createPost({channel_id: world.channels.town,
            message: 'quick reaction'});
          const event = await hs.waitFor(() => bridgedBody('quick reaction'), 'the post');
          hs.send(kCarol, town, {'m.relates_to':
            {rel_type: 'm.annotation', event_id: event.event_id, key: '👍'}}, 'm.reaction');
          await until(async () => (await reactionsOf(post.id)).length === 1, 'the reaction');
          assert.deepEqual(await reactionsOf(post.id), ['carol:hs.test +1']);
          assert.equal(await scalar(gateway, `SELECT count(*) FROM id_map WHERE post_id =
            '${post.id}'`), '0', 'the id map entry was still held back');
        } finally {
          locker.stdin.end('COMMIT;\n');
          await new Promise((resolve) => locker.once('exit', resolve));
        }
      });

  test('a Mattermost reaction removed: the puppet\'s m.reaction is redacted', async () => {
    const post = await alice.createPost({channel_id: world.channels.town, message: 'thumbs'});
    const event = await hs.waitFor(() => bridgedBody('thumbs'), 'the post in the room');
    await alice.addReaction(world.users.alice.id, post.id, 'tada');
    const reaction = await hs.waitFor(() => hs.bridged(town, 'm.reaction').find((e) =>
      e.content['m.relates_to']?.event_id === event.event_id), 'the m.reaction');
    assert.equal(reaction.sender, '@mm_alice:hs.test');
    assert.equal(reaction.content['m.relates_to'].key, '🎉');
    await alice.removeReaction(world.users.alice.id, post.id, 'tada');
    await hs.waitFor(() => hs.timeline(town).some((e) => e.type === 'm.room.redaction' &&
      e.redacts === reaction.event_id && e.sender === '@mm_alice:hs.test'), 'the redaction');
    assert.equal(hs.events.get(event.event_id).redacted, undefined, 'the message stays');
  });

  test('an m.emote is a /me post as Mattermost makes it, and a /me post an m.emote', async () => {
    hs.send(kBob, town, {msgtype: 'm.emote', body: 'waves at everyone'});
    const emote = await postIn((p) => p.message.includes('waves at everyone'), 'the emote');
    // Mattermost's /me (slashcommands/command_me.go): type "me", the text in asterisks.
    assert.equal(emote.type, 'me');
    assert.equal(emote.message, '*waves at everyone*');
    assert.equal((await alice.getUser(emote.user_id)).username, 'bob:hs.test');
    // A plain message stays a plain post.
    hs.send(kBob, town, {msgtype: 'm.text', body: 'just text'});
    assert.equal((await postIn((p) => p.message === 'just text', 'the text')).type, '');

    await alice.createPost({channel_id: world.channels.town, type: 'me', message: '*nods*'});
    const outward = await hs.waitFor(() => hs.bridged(town).find((e) =>
      e.content.msgtype === 'm.emote' && e.sender === '@mm_alice:hs.test'), 'the m.emote');
    assert.equal(outward.content.body, 'nods');
  });

  // An event of `bytes` (about) whose body is `body`: the rest in a key of its own, as any
  // client may add (the body itself stays within a Mattermost post).
  const paddedEvent = (id, body, bytes) => ({event_id: id, room_id: town, sender: kBob,
    type: 'm.room.message', origin_server_ts: Date.now(),
    content: {msgtype: 'm.text', body, 'org.example.padding': 'x'.repeat(bytes)}});

  test('a 2 MiB transaction is taken; one over the route\'s limit is 413 M_TOO_LARGE', async () => {
    const events = [];
    for (let i = 0; i < 32; ++i) events.push(paddedEvent(`$big-${i}`, `big ${i}`, 64_000));
    const body = JSON.stringify({events, ephemeral: []});
    assert.ok(body.length > 2 * 1024 * 1024 - 100_000, `${body.length} bytes`);
    const taken = await putTransaction(gateway, 'big-1', body, {token: registration.hs_token,
      raw: true});
    assert.equal(taken.status, 200);
    const bigs = (await posts()).filter((p) => p.message.startsWith('big '));
    assert.equal(bigs.length, 32, 'every event committed before the 200');
    assert.deepEqual(bigs.map((p) => p.message), events.map((e) => e.content.body));

    // Over 16 MiB: refused before it is read, in the Matrix form, on both route families;
    // nothing of it is applied (the homeserver would retry it: a spec-conforming one never
    // sends such a transaction).
    const huge = JSON.stringify({events: [paddedEvent('$huge-1', 'huge', 17 * 1024 * 1024)]});
    for (const route of ['/_matrix/app/v1', '']) {
      const refused = await putTransaction(gateway, 'huge-1', huge, {token: registration.hs_token,
        raw: true, route});
      assert.equal(refused.status, 413);
      assert.equal(refused.body.errcode, 'M_TOO_LARGE');
    }
    assert.equal((await posts()).filter((p) => p.message === 'huge').length, 0);
    // The same transaction id later, with a body that fits: not taken for a retry of the 413.
    const after = await putTransaction(gateway, 'huge-1', {events: [paddedEvent('$huge-2',
      'huge fits', 10)]}, {token: registration.hs_token});
    assert.equal(after.status, 200);
    assert.ok((await posts()).some((p) => p.message === 'huge fits'));

    // The API's own limit is as it was.
    const response = await fetch(`${gateway.url}/api/v4/posts`, {method: 'POST',
      headers: {Authorization: `Bearer ${world.users.alice.token}`,
        'Content-Type': 'application/json'},
      body: JSON.stringify({channel_id: world.channels.town, message: 'x'.repeat(2_000_000)})});
    assert.equal(response.status, 413);
    assert.equal((await response.json()).id, 'api.context.request_body_too_large.app_error');
  });

  test('a link to an alias of the namespace that did not exist: Parley created the room', async () => {
    const roomId = hs.aliases.get('#mm_news:hs.test');
    assert.ok(roomId, 'the alias is bound');
    const room = hs.rooms.get(roomId);
    assert.equal(room.creator, hs.bot);
    assert.equal(room.name, 'Coalition News');
    assert.equal(room.topic, 'What the partners need to know');
    assert.equal(room.joinRule, 'public');
    assert.equal(room.visibility, 'private', 'not listed in the room directory');
    assert.equal(room.creationContent['m.federate'], true);
    assert.equal(hs.requests.filter((r) => r.path === '_matrix/client/v3/createRoom').length, 1);

    // Partners join by the alias, and the channel and the room talk both ways.
    assert.equal(await hs.joinAlias(kCarol, '#mm_news:hs.test'), roomId);
    await alice.createPost({channel_id: world.channels.news, message: 'news from mattermost'});
    const out = await hs.waitFor(() => hs.bridged(roomId).find((e) =>
      e.content.body === 'news from mattermost'), 'the post in the created room');
    assert.equal(out.sender, '@mm_alice:hs.test');
    hs.send(kCarol, roomId, {msgtype: 'm.text', body: 'news from matrix'});
    await until(async () => {
      const list = await alice.getPosts(world.channels.news, 0, 50);
      return Object.values(list.posts).some((p) => p.message === 'news from matrix');
    }, 'the Matrix message in the channel');
  });

  test('the alias query: a linked alias is created on demand, any other is M_NOT_FOUND', async () => {
    const admin = world.client('admin');
    const query = (alias, {token = registration.hs_token, route = '/_matrix/app/v1'} = {}) =>
      fetch(`${gateway.url}${kAsPath}${route}/rooms/${encodeURIComponent(alias)}`,
          {headers: {Authorization: `Bearer ${token}`}})
          .then(async (r) => ({status: r.status, body: await r.json()}));
    const createRooms = () =>
      hs.requests.filter((r) => r.path === '_matrix/client/v3/createRoom').length;
    const before = createRooms();

    // No link names them (or they are outside the namespace): nothing is created.
    for (const alias of ['#mm_nolink:hs.test', '#town:hs.test', '#mm_x:other.test', 'mm_x']) {
      const answer = await query(alias);
      assert.equal(answer.status, 404, alias);
      assert.equal(answer.body.errcode, 'M_NOT_FOUND');
    }
    assert.equal((await query('#mm_later:hs.test', {token: 'wrong'})).status, 403);
    assert.equal(await hs.joinAlias(kCarol, '#mm_nolink:hs.test'), null);
    assert.equal(createRooms(), before);
    assert.equal(hs.aliases.has('#mm_nolink:hs.test'), false);

    // A link made by the admin API to an alias nobody created: a Matrix user joins by it, the
    // homeserver asks Parley, which creates the room before it answers.
    await call(admin, 'POST', '/parley/links', {channel_id: world.channels.later,
      bridge: 'matrix', remote_room: '#mm_later:hs.test'});
    const roomId = await hs.joinAlias(kBob, '#mm_later:hs.test');
    assert.ok(roomId, 'the alias resolves');
    assert.deepEqual(hs.aliasQueries.at(-1), {alias: '#mm_later:hs.test', status: 200});
    assert.equal(hs.rooms.get(roomId).name, 'later');
    assert.equal(createRooms(), before + 1);
    hs.send(kBob, roomId, {msgtype: 'm.text', body: 'joined by the alias'});
    await until(async () => {
      const list = await alice.getPosts(world.channels.later, 0, 50);
      return Object.values(list.posts).some((p) => p.message === 'joined by the alias');
    }, 'the message of the room made on demand');
    // Asked again (the legacy route): it exists, no second room.
    assert.equal((await query('#mm_later:hs.test', {route: ''})).status, 200);
    assert.equal(hs.aliases.get('#mm_later:hs.test'), roomId);
    assert.equal(createRooms(), before + 1);
  });
});
