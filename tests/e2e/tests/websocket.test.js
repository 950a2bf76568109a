'use strict';
// The WebSocket API (reference/mattermost-api.md §8) with the official WebSocketClient of
// @mattermost/client and raw sockets: hello and seq, actions and their replies, typing reaching
// exactly the channel's other members, bad frames and slow clients handled without harm to
// others, and resume after a reconnect.

const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const {after, before, describe, test} = require('node:test');

const {Gateway} = require('../lib/gateway');
const {run} = require('../lib/process');
const {createUser, firstAdmin, kPassword} = require('../lib/users');
const {RawSocket, buildSocketWorld, eventually, officialClient} = require('../lib/websocket');

const kResumeWindowMs = 2_000;

// The value of a metric without labels on /metrics.
async function metric(gateway, name) {
  const text = await (await fetch(`${gateway.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  assert.ok(line, `${name} is on /metrics`);
  return Number(line.split(' ')[1]);
}

describe('websocket', () => {
  let gateway;
  let alice;  // member of `channel`
  let bob;    // member of `channel`
  let carol;  // in the team, not in `channel`
  let guest;  // a guest in the team, in `lounge` only
  let team;
  let channel;
  let lounge;  // alice, carol and the guest
  const sockets = [];
  const clients = [];

  async function open(user, options = {}) {
    const socket = await RawSocket.open(gateway, {token: user.client.getToken(), ...options});
    sockets.push(socket);
    return socket;
  }

  before(async () => {
    gateway = await Gateway.start({extra: 'websocket:\n' +
      '  max_message_size: 1KiB\n' +
      '  send_queue_events: 1000\n' +
      '  auth_timeout: 1s\n' +
      '  resume_events: 4\n' +
      `  resume_window: ${kResumeWindowMs}ms\n`});
    ({alice, bob, carol, guest, team, channel, lounge} = await buildSocketWorld(gateway));
  });

  after(async () => {
    for (const client of clients) client.close();
    for (const socket of sockets) socket.ws.terminate();
    await gateway?.stop();
  });

  test('the official client gets hello at seq 0 and pong for its ping', async () => {
    const {client, events} = await officialClient(gateway, alice.client.getToken());
    clients.push(client);
    const hello = events[0];
    assert.equal(hello.event, 'hello');
    assert.equal(hello.seq, 0);
    assert.match(hello.data.connection_id, /^[a-z0-9]{26}$/);
    assert.match(hello.data.server_version, /^10\.11\.0\.0\.\w+\.false$/);
    assert.equal(typeof hello.data.server_hostname, 'string');
    assert.equal(hello.broadcast.user_id, alice.id);
    assert.equal(client.connectionId, hello.data.connection_id);

    const pong = await new Promise((resolve) => client.ping(resolve));
    assert.equal(pong.status, 'OK');
    assert.equal(pong.data.text, 'pong');
    assert.equal(pong.data.version, '10.11.0');
    assert.ok(Math.abs(pong.data.server_time - Date.now()) < 60_000);
    assert.equal(pong.seq, undefined, 'replies carry no event seq');
  });

  test('a token in the Authorization header or the MMAUTHTOKEN cookie authenticates at once',
      async () => {
        const byHeader = await open(bob);
        const hello = await byHeader.next();
        assert.equal(hello.event, 'hello');
        assert.equal(hello.broadcast.user_id, bob.id);
        const byCookie = await open(bob, {token: undefined, cookie: bob.client.getToken()});
        assert.equal((await byCookie.next()).broadcast.user_id, bob.id);
        assert.notEqual((await byCookie.request('ping')).status, 'FAIL');
      });

  test('an unauthenticated socket may only authenticate, and is closed after the deadline',
      async () => {
        const anonymous = await open(alice, {token: undefined});
        const refused = await anonymous.request('ping');
        assert.equal(refused.status, 'FAIL');
        assert.equal(refused.error.id, 'api.web_socket_router.not_authenticated.app_error');
        assert.equal(refused.error.status_code, 401);
        await anonymous.closeWithin(3_000);
        assert.equal(anonymous.events.items.length, 0, 'no hello without authentication');

        const badToken = await open(alice, {token: undefined});
        badToken.send({seq: 1, action: 'authentication_challenge', data: {token: 'x'.repeat(26)}});
        await badToken.closeWithin(2_000);

        const late = await open(alice, {token: undefined});
        const ok = await late.request('authentication_challenge',
            {token: alice.client.getToken()});
        assert.equal(ok.status, 'OK');
        assert.equal((await late.next((m) => m.event === 'hello')).broadcast.user_id, alice.id);
      });

  test('typing reaches the other members of the channel only', async () => {
    const {client: typist, events: typistEvents} =
        await officialClient(gateway, alice.client.getToken());
    clients.push(typist);
    const bobSocket = await open(bob);
    const carolSocket = await open(carol);
    const guestSocket = await open(guest);
    for (const socket of [bobSocket, carolSocket, guestSocket]) {
      await socket.next((m) => m.event === 'hello');
    }
    // A user's first socket also brings their own status_change (online), at any moment:
    // only typing events are looked at here.
    const typingEvent = (m) => m.event === 'typing';

    const reply = await new Promise((resolve) => typist.userTyping(channel.id, '', resolve));
    assert.equal(reply.status, 'OK');
    const typing = await bobSocket.next(typingEvent);
    assert.equal(typing.event, 'typing');
    assert.deepEqual(typing.data, {parent_id: '', user_id: alice.id});
    assert.deepEqual(typing.broadcast, {omit_users: {[alice.id]: true}, user_id: '',
      channel_id: channel.id, team_id: '', connection_id: '', omit_connection_id: ''});
    assert.equal(typing.seq, bobSocket.events.items.indexOf(typing), 'seq counts every event');

    // Events arrive in order, so what the outsiders get next shows what they did not get.
    await new Promise((resolve) => typist.userTyping(lounge.id, '', resolve));
    for (const socket of [carolSocket, guestSocket]) {
      const next = await socket.next(typingEvent);
      assert.equal(next.data.user_id, alice.id);
      assert.equal(next.broadcast.channel_id, lounge.id, 'the first typing went to members only');
      assert.equal(next.seq, socket.events.items.indexOf(next));
    }
    assert.ok(!typistEvents.some((m) => m.event === 'typing'), 'the typist is left out');

    // Typing where one may not post is refused.
    const denied = await guestSocket.request('user_typing', {channel_id: channel.id});
    assert.equal(denied.status, 'FAIL');
    assert.equal(denied.error.id, 'api.context.permissions.app_error');
    assert.equal(denied.error.status_code, 403);
    const invalid = await carolSocket.request('user_typing', {channel_id: 'nope'});
    assert.equal(invalid.error.id, 'api.websocket_handler.invalid_param.app_error');
    assert.deepEqual(bobSocket.events.pending().filter(typingEvent), [],
        'refused typing is not broadcast');
  });

  test('statuses of connected users', async () => {
    const socket = await open(carol);
    await socket.next();
    const byIds = await socket.request('get_statuses_by_ids', {user_ids: [carol.id, guest.id]});
    assert.equal(byIds.status, 'OK');
    assert.equal(byIds.data[carol.id], 'online');
    const all = await socket.request('get_statuses');
    assert.equal(all.data[carol.id], 'online');
    const bad = await socket.request('get_statuses_by_ids', {user_ids: ['x']});
    assert.equal(bad.error.id, 'api.websocket_handler.invalid_param.app_error');
    for (const action of ['presence', 'user_update_active_status']) {
      assert.equal((await socket.request(action, {})).status, 'OK');
    }
  });

  test('bad frames are answered, oversize ones close only their own socket', async () => {
    const bystander = await open(bob);
    await bystander.next();
    const socket = await open(alice);
    await socket.next();

    socket.send('this is not json');
    let reply = await socket.reply();
    assert.equal(reply.status, 'FAIL');
    assert.equal(reply.error.id, 'api.web_socket_router.bad_json.app_error');
    socket.send({seq: 0, action: 'ping'});
    reply = await socket.reply();
    assert.equal(reply.error.id, 'api.web_socket_router.bad_seq.app_error');
    socket.send({seq: 5});
    reply = await socket.reply();
    assert.equal(reply.error.id, 'api.web_socket_router.no_action.app_error');
    assert.equal(reply.seq_reply, 5);
    socket.nextSeq = 9;
    reply = await socket.request('make_coffee');
    assert.equal(reply.error.id, 'api.web_socket_router.bad_action.app_error');
    assert.equal(reply.error.status_code, 501);
    assert.equal((await socket.request('ping')).data.text, 'pong', 'still serving');

    socket.send({seq: 20, action: 'ping', data: {padding: 'x'.repeat(2048)}});
    assert.equal(await socket.closeWithin(), 1009, 'message too big');

    assert.equal((await bystander.request('ping')).status, 'OK');
    const typist = await open(alice);
    await typist.next();
    await typist.request('user_typing', {channel_id: channel.id});
    assert.equal((await bystander.next()).event, 'typing');
  });

  test('a client that never reads is closed while another keeps receiving', async () => {
    const reader = await open(bob);
    await reader.next();
    const stalled = await open(bob);
    await stalled.next();
    stalled.ws.pause();  // reads nothing more from the network

    const typist = await open(alice);
    await typist.next();
    // Until the stalled client's send queue overflows: the kernel's socket buffers take about
    // a megabyte first.
    let sent = 0;
    while (await metric(gateway, 'parley_websocket_slow_consumers_total') === 0) {
      assert.ok(sent < 40_000, `the stalled client is still connected after ${sent} events`);
      for (let i = 0; i < 250; ++i) {
        typist.send({seq: typist.nextSeq++, action: 'user_typing', data: {channel_id: channel.id}});
      }
      sent += 250;
      await typist.reply((m) => m.seq_reply === typist.nextSeq - 1, 30_000);
      await eventually(() => reader.events.pending().length === sent,
          `the reader receives all ${sent} events`, 30_000);
    }
    assert.equal(reader.closeCode, undefined);
    stalled.ws.resume();
    await stalled.closeWithin(10_000);
    assert.ok(stalled.received < sent, 'the stalled client was cut off');
    assert.equal((await reader.request('ping')).status, 'OK');
  });

  test('a reconnect with the last seq gets exactly the missed events', async () => {
    const first = await open(bob);
    const hello = await first.next();
    const typist = await open(alice);
    await typist.next();
    await typist.request('user_typing', {channel_id: channel.id, parent_id: ''});
    assert.equal((await first.next()).seq, 1);
    await first.terminate();

    for (let i = 0; i < 2; ++i) await typist.request('user_typing', {channel_id: channel.id});
    const resumed = await open(bob,
        {query: `?connection_id=${hello.data.connection_id}&sequence_number=2`});
    const replay = [await resumed.next(), await resumed.next()];
    assert.deepEqual(replay.map((m) => [m.event, m.seq]), [['typing', 2], ['typing', 3]],
        'the missed events with their original seq, and no hello');
    await typist.request('user_typing', {channel_id: channel.id});
    assert.equal((await resumed.next()).seq, 4);

    // The official client resumes the same way after its socket dropped.
    const {client, events} = await officialClient(gateway, bob.client.getToken(),
        {minWebSocketRetryTime: 1_000});
    clients.push(client);
    let missed = 0;
    client.addMissedMessageListener(() => ++missed);
    const reconnected = new Promise((resolve) => client.addReconnectListener(resolve));
    client.conn.close();
    await eventually(() => client.conn === null, 'the client notices the close');
    await typist.request('user_typing', {channel_id: channel.id});
    await reconnected;
    await eventually(() => events.some((m) => m.event === 'typing'), 'the missed typing');
    assert.deepEqual(events.map((m) => [m.event, m.seq]), [['hello', 0], ['typing', 1]]);
    assert.equal(missed, 0);
  });

  test('a reconnect that cannot be served gets a new connection and hello', async () => {
    const typist = await open(alice);
    await typist.next();
    // A seq this connection never reached.
    const first = await open(bob);
    const hello = await first.next();
    await first.terminate();
    const beyond = await open(bob,
        {query: `?connection_id=${hello.data.connection_id}&sequence_number=7`});
    const fresh = await beyond.next();
    assert.equal(fresh.event, 'hello');
    assert.equal(fresh.seq, 0);
    assert.notEqual(fresh.data.connection_id, hello.data.connection_id);

    // Events that fell out of the resume buffer (resume_events: 4 written events are kept).
    for (let i = 0; i < 6; ++i) await typist.request('user_typing', {channel_id: channel.id});
    for (let i = 1; i <= 6; ++i) assert.equal((await beyond.next()).seq, i);
    await beyond.terminate();
    const lost = await open(bob,
        {query: `?connection_id=${fresh.data.connection_id}&sequence_number=2`});
    const lostHello = await lost.next();
    assert.equal(lostHello.event, 'hello');
    assert.notEqual(lostHello.data.connection_id, fresh.data.connection_id);
    // Resuming a connection whose socket is still open takes it over; that socket is closed.
    const kept = await open(bob, {query: `?connection_id=${lostHello.data.connection_id}` +
      '&sequence_number=1'});
    await lost.closeWithin();
    await typist.request('user_typing', {channel_id: channel.id});
    const next = await kept.next();
    assert.deepEqual([next.event, next.seq], ['typing', 1], 'no hello, nothing replayed');

    const second = await open(bob);
    const secondHello = await second.next();
    await second.terminate();
    await new Promise((resolve) => setTimeout(resolve, kResumeWindowMs + 500));
    await typist.request('ping');  // expired connections are reaped as others come and go
    const late = await open(bob,
        {query: `?connection_id=${secondHello.data.connection_id}&sequence_number=1`});
    const lateHello = await late.next();
    assert.equal(lateHello.event, 'hello');
    assert.notEqual(lateHello.data.connection_id, secondHello.data.connection_id);

    for (const query of ['?connection_id=nope&sequence_number=1',
      `?connection_id=${hello.data.connection_id}`]) {
      await assert.rejects(open(bob, {query}), (error) => error.status === 400, query);
    }
  });
});

describe('websocket events of posts and reactions', () => {
  let gateway;
  let alice;
  let bob;
  let carol;  // in the team, not in `channel`
  let guest;  // a guest in `lounge` only
  let channel;
  let lounge;
  const sockets = [];
  const clients = [];
  before(async () => {
    gateway = await Gateway.start();
    ({alice, bob, carol, guest, channel, lounge} = await buildSocketWorld(gateway));
  });
  after(async () => {
    for (const client of clients) client.close();
    for (const socket of sockets) socket.ws.terminate();
    await gateway?.stop();
  });

  test('a member receives posted, post_edited, reaction_added and post_deleted; outsiders ' +
      'nothing', async () => {
    const {client, events} = await officialClient(gateway, bob.token);
    clients.push(client);
    let reconnects = 0;
    client.addReconnectListener(() => ++reconnects);
    for (const user of [carol, guest]) {
      const socket = await RawSocket.open(gateway, {token: user.token});
      sockets.push(socket);
      await socket.next();
    }
    const received = async (name) => {
      await eventually(() => events.some((m) => m.event === name), name);
      return events.find((m) => m.event === name);
    };

    const post = await alice.client.createPost({channel_id: channel.id, message: 'hello @bob'});
    const posted = await received('posted');
    assert.equal(posted.broadcast.channel_id, channel.id);
    const sent = JSON.parse(posted.data.post);
    assert.deepEqual([sent.id, sent.message, sent.user_id], [post.id, 'hello @bob', alice.id]);
    assert.equal(posted.data.channel_type, 'P');
    assert.equal(posted.data.channel_name, 'plans');
    assert.equal(posted.data.sender_name, '@alice');

    await alice.client.patchPost({id: post.id, message: 'hello again'});
    assert.equal(JSON.parse((await received('post_edited')).data.post).message, 'hello again');
    await alice.client.addReaction(alice.id, post.id, 'smile');
    const reaction = JSON.parse((await received('reaction_added')).data.reaction);
    assert.deepEqual([reaction.post_id, reaction.emoji_name], [post.id, 'smile']);
    await alice.client.deletePost(post.id);
    assert.equal(JSON.parse((await received('post_deleted')).data.post).id, post.id);
    assert.equal(reconnects, 0, 'every seq arrived in order');

    // Events arrive in order: once the outsiders have a later post of another channel, they
    // would have had those of the private channel.
    await alice.client.createPost({channel_id: lounge.id, message: 'open news'});
    for (const socket of sockets) {
      const next = await socket.next((m) => m.event === 'posted');
      assert.equal(next.broadcast.channel_id, lounge.id);
      const leaked = socket.events.items.filter((m) => m.broadcast.channel_id === channel.id ||
          JSON.stringify(m.data).includes(post.id));
      assert.deepEqual(leaked, []);
    }
  });
});

describe('websocket connections of revoked sessions', () => {
  const cluster = {extra: 'cluster:\n  enabled: true\n'};
  let nodeA;
  let nodeB;  // a second parleyd on the same database
  let admin;
  const sockets = [];

  // A second session of `username` (another device): a Client4 logged in again.
  async function login(gateway, username) {
    const client = gateway.client();
    await client.login(username, kPassword);
    return client;
  }

  // A raw socket of `token`'s session on `gateway`, past its hello.
  async function connected(gateway, token) {
    const socket = await RawSocket.open(gateway, {token});
    sockets.push(socket);
    assert.equal((await socket.next()).event, 'hello');
    return socket;
  }

  async function stillOpen(socket) {
    assert.equal((await socket.request('ping')).status, 'OK');
    assert.equal(socket.closeCode, undefined);
    assert.deepEqual(socket.events.items.filter((m) => m.event.startsWith('parley')), [],
        'the revocation is never sent to a client');
  }

  before(async () => {
    nodeA = await Gateway.start(cluster);
    nodeB = await nodeA.startPeer(cluster);
    admin = await firstAdmin(nodeA);
    for (const node of [nodeA, nodeB]) {
      const deadline = Date.now() + 10_000;
      while (await metric(node, 'parley_events_relay_connected') !== 1) {
        assert.ok(Date.now() < deadline, 'the relay connects');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  });

  after(async () => {
    for (const socket of sockets) socket.ws.terminate();
    await nodeB?.stop();
    await nodeA?.stop();
  });

  test('a logout closes the sockets of that session on every node, and no other', async () => {
    const dave = await createUser(nodeA, {username: 'dave'});
    const phone = await login(nodeA, 'dave');
    const phoneOnA = await connected(nodeA, phone.getToken());
    const phoneOnB = await connected(nodeB, phone.getToken());
    const laptopOnB = await connected(nodeB, dave.token);

    await phone.logout();
    await phoneOnA.closeWithin();
    await phoneOnB.closeWithin();
    await stillOpen(laptopOnB);
  });

  test('revoking a session, all sessions, deactivating a user and revoking a personal access ' +
      'token close their sockets', async () => {
    const erin = await createUser(nodeA, {username: 'erin'});
    const tablet = await login(nodeA, 'erin');
    const sessions = await erin.client.getSessions(erin.id);
    const tabletSession = sessions.reduce((a, b) => (a.create_at > b.create_at ? a : b));
    const tabletOnB = await connected(nodeB, tablet.getToken());
    const mainOnB = await connected(nodeB, erin.token);
    await erin.client.revokeSession(erin.id, tabletSession.id);
    await tabletOnB.closeWithin();
    await stillOpen(mainOnB);
    await admin.client.revokeAllSessionsForUser(erin.id);
    await mainOnB.closeWithin();

    const frank = await createUser(nodeA, {username: 'frank'});
    const frankOnB = await connected(nodeB, frank.token);
    await admin.client.updateUserActive(frank.id, false);
    await frankOnB.closeWithin();

    const token = await admin.client.createUserAccessToken(admin.id, 'websocket');
    const script = await connected(nodeB, token.token);
    const adminOnB = await connected(nodeB, admin.token);
    await admin.client.revokeUserAccessToken(token.id);
    await script.closeWithin();
    await stillOpen(adminOnB);
  });
});

describe('websocket at shutdown', () => {
  let gateway;
  after(async () => {
    await gateway?.stop();
  });

  test('SIGTERM closes every socket with 1001 (going away), not 1006', async () => {
    gateway = await Gateway.start();
    const user = await createUser(gateway, {username: 'leaving'});
    const sockets = [];
    for (let i = 0; i < 2; ++i) {
      const socket = await RawSocket.open(gateway, {token: user.token});
      assert.equal((await socket.next()).event, 'hello');
      sockets.push(socket);
    }
    const exit = await gateway.shutdown();
    assert.equal(exit.code, 0, gateway.log());
    for (const socket of sockets) assert.equal(await socket.closeWithin(), 1001);
  });
});

describe('websocket over TLS', () => {
  let gateway;
  let dir;
  after(async () => {
    await gateway?.stop();
    if (dir) fs.rmSync(dir, {recursive: true, force: true});
  });

  test('the TLS listener carries the WebSocket too', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-tls-'));
    const made = await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj',
      '/CN=localhost', '-days', '1', '-keyout', path.join(dir, 'key.pem'),
      '-out', path.join(dir, 'cert.pem')]);
    assert.equal(made.code, 0, made.stderr);
    // The account is made over plain HTTP; then the same gateway restarts with TLS.
    gateway = await Gateway.start();
    const user = await createUser(gateway, {username: 'secure'});
    const config = fs.readFileSync(gateway.config, 'utf8').replace('server:\n',
        `server:\n  tls:\n    cert_file: ${dir}/cert.pem\n    key_file: ${dir}/key.pem\n`);
    fs.writeFileSync(gateway.config, config);
    await gateway.restart();

    const socket = await RawSocket.open(gateway, {token: user.token, secure: true});
    try {
      const hello = await socket.next();
      assert.deepEqual([hello.event, hello.broadcast.user_id], ['hello', user.id]);
      assert.equal((await socket.request('ping')).data.text, 'pong');
    } finally {
      socket.ws.terminate();
    }
    await assert.rejects(RawSocket.open(gateway, {token: user.token}), 'no plain WebSocket');
  });
});
