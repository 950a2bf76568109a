'use strict';
// The XMPP bridge under faults (issue 6): a real parleyd + PostgreSQL, a real Prosody and an
// XMPP user on @xmpp/client, 1,000 messages each time.
//   - Prosody stopped while 1,000 posts are made, then started: once the user's client has
//     reconnected and rejoined, its catch-up (XEP-0313 on the room, as Conversations and Gajim
//     do) plus what arrives live hold every post exactly once, in order.
//   - parleyd SIGKILLed in the middle of a burst and started again on the same database:
//     Mattermost -> XMPP, every post reaches the user once (the drainer re-sends an
//     unacknowledged one with the same stanza-id: distinct ids are counted, raw duplicates
//     reported); XMPP -> Mattermost, the client re-sends what bounced or was never reflected,
//     the inbox makes a re-sent message a no-op, and the channel ends with exactly 1,000 posts
//     in order.
// Each test reports its figures (t.diagnostic): how long it took and what was counted.

const assert = require('node:assert/strict');
const fs = require('node:fs');
const {after, before, describe, test} = require('node:test');

const {scalar} = require('../lib/database');
const {Gateway} = require('../lib/gateway');
const {channelPosts: allPosts, openXmppBundle, policyFile} =
  require('../lib/policy_enforcement');
const {Prosody} = require('../lib/prosody');
const {eventually} = require('../lib/websocket');
const {buildWorld} = require('../lib/world');
const {XmppUser, groupchat, stanzaId, until} = require('../lib/xmpp');

const kDomain = 'mattermost.localhost';
const kCount = 1000;
const kBundle = openXmppBundle('e2e-xmpp-faults');
const kRooms = ['outage', 'kill-out', 'kill-in'];
const room = (name) => `${name}@${kDomain}`;

// Messages of `room` that carry a body and a stanza-id: what the room sent to the user.
const roomMessage = (name) => (s) => s.is('message') && s.attrs.type === 'groupchat' &&
  (s.attrs.from || '').startsWith(`${room(name)}/`) && s.getChild('body') && stanzaId(s);

const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

describe('xmpp bridge under faults', () => {
  let prosody;
  let gateway;
  let world;
  let xena;

  const roomsHosted = () => eventually(() =>
    gateway.log().includes('"msg":"hosting the rooms of the xmpp links"') &&
      gateway.log().includes(`"rooms":${kRooms.length}`), 'the rooms to be hosted', 30_000);

  // Joins (again) until the room answers with a self-presence: right after a restart the
  // component may not be connected yet, and Prosody bounces the presence.
  const joinRoom = async (name) => {
    await until(async () => {
      const sequence = await xena.join(room(name), 'xena', 0).catch(() => []);
      return sequence.some((s) => s.is('presence') && s.attrs.type !== 'error' &&
          s.attrs.from === `${room(name)}/xena`);
    }, `xena to join ${name}`, 30_000);
  };

  // SIGKILL, then the same gateway again on its database.
  const killAndRestart = async () => {
    await gateway.kill();
    await gateway.serve();
    await roomsHosted();
  };

  before(async () => {
    prosody = await Prosody.start({users: [['xena', 'xenapass']]});
    process.env.PARLEY_XMPP_SECRET = prosody.componentSecret;
    gateway = await Gateway.start({extra: prosody.gatewayBridgeYaml() + policyFile(kBundle).extra});
    const channels = {};
    for (const name of kRooms) channels[name] = {team: 'ops', name, members: ['admin', 'alice']};
    world = await buildWorld(gateway, {users: {alice: 'system_user'},
      teams: {ops: ['admin', 'alice']}, channels});
    fs.appendFileSync(gateway.config, 'links:\n' + kRooms.map((name) =>
      `  - {channel: ops/${name}, bridge: xmpp, remote: ${name}}\n`).join(''));
    await gateway.restart();
    await roomsHosted();
    xena = await XmppUser.login(prosody, 'xena', 'xenapass');
    for (const name of kRooms) await joinRoom(name);
  });

  after(async () => {
    await xena?.stop();
    await gateway?.stop();
    await prosody?.stop();
  });

  // Every post of a channel, oldest first.
  const channelPosts = (name) => allPosts(world.client('alice'), world.channels[name]);

  // What a client shows: the messages it received live before it caught up, the catch-up,
  // then what came live since; stanza-ids in first-seen order, and the raw duplicates (the
  // same stanza-id more than once).
  const merge = (...parts) => {
    const seen = new Set();
    const order = [];
    let duplicates = 0;
    for (const stanza of parts.flat()) {
      const id = stanzaId(stanza);
      if (seen.has(id)) {
        duplicates += 1;
        continue;
      }
      seen.add(id);
      order.push(id);
    }
    return {order, duplicates};
  };

  test('Prosody stopped while 1,000 posts are made: after it is back, every post once, in order',
      async (t) => {
        const started = Date.now();
        const live = [];
        const untap = xena.tap(roomMessage('outage'), live);
        const alice = world.client('alice');
        const warm = await alice.createPost({channel_id: world.channels.outage,
          message: 'before the outage'});
        await until(() => live.some((s) => stanzaId(s) === warm.id), 'the first post live');
        const lastSeen = warm.id;

        const liveBeforeOutage = live.length;  // the first post
        const sessions = xena.sessions;
        await prosody.stop();
        const stopped = Date.now();
        const posts = [];
        for (let i = 1; i <= kCount; ++i) {
          posts.push(await alice.createPost({channel_id: world.channels.outage,
            message: `during the outage ${i}`}));
        }
        const posted = Date.now();
        await prosody.start();
        await until(() => xena.sessions > sessions, 'the client to reconnect', 60_000);
        const reconnected = Date.now();
        // The component is back before the client rejoins and drains the outbox into the room
        // with nobody in it (it forgot its occupants when the link to Prosody dropped): the
        // client gets the posts from the room's archive, not live.
        await until(async () => await scalar(gateway,
            "SELECT count(*) FROM outbox WHERE state = 'pending'") === '0',
        'the outbox to be drained', 120_000);
        const drained = Date.now();
        await joinRoom('outage');
        const rejoined = Date.now();
        const archived = await xena.catchUp(room('outage'), lastSeen);
        const caughtUp = Date.now();
        const expected = posts.map((p) => p.id);
        const wanted = new Set(expected);
        let merged;
        await until(() => {
          merged = merge(archived, live.slice(liveBeforeOutage));
          return merged.order.length >= kCount;
        }, 'every post at the client', 120_000);
        const done = Date.now();
        untap();
        for (const name of kRooms.filter((n) => n !== 'outage')) await joinRoom(name);
        assert.deepEqual(merged.order, expected, 'every post once, in order');
        assert.ok(merged.order.every((id) => wanted.has(id)));
        for (const stanza of archived) {
          assert.ok(stanza.getChild('body').getText().startsWith('during the outage'));
        }
        assert.equal(archived.length, kCount, 'the catch-up has them all');
        t.diagnostic(`outage: Prosody down ${seconds(posted - stopped)} while ${kCount} posts ` +
          `were made; client back ${seconds(reconnected - posted)} after the restart, outbox ` +
          `drained ${seconds(drained - posted)} after it, rejoined in ` +
          `${seconds(rejoined - drained)}, catch-up of ${archived.length} archived in ` +
          `${seconds(caughtUp - rejoined)}; all ${kCount} in ${seconds(done - posted)} after ` +
          `the restart; ${live.length - liveBeforeOutage} live, ${merged.duplicates} seen twice (archive and ` +
          `live); test ${seconds(done - started)}`);
      });

  test('parleyd SIGKILLed in a burst of 1,000 posts: every post reaches XMPP once, in order',
      async (t) => {
        const started = Date.now();
        const live = [];
        const untap = xena.tap(roomMessage('kill-out'), live);
        const expected = [];
        let alice = world.client('alice');
        let liveAtKill = 0;
        for (let i = 1; i <= kCount; ++i) {
          const post = await alice.createPost({channel_id: world.channels['kill-out'],
            message: `burst ${i}`});
          expected.push(post.id);
          if (i === kCount / 2) {
            liveAtKill = live.length;
            await killAndRestart();
            alice = world.client('alice');
          }
        }
        const posted = Date.now();
        // The restarted room does not know its occupants: the client learns it by its
        // self-ping (XEP-0410), rejoins and catches up after the last message it saw.
        assert.equal(await xena.selfPing(room('kill-out'), 'xena'), 'not-acceptable');
        const lastSeen = live.length ? stanzaId(live[live.length - 1]) : null;
        const liveBeforeRejoin = live.length;
        await joinRoom('kill-out');
        const archived = await xena.catchUp(room('kill-out'), lastSeen);
        let merged;
        await until(() => {
          merged = merge(live.slice(0, liveBeforeRejoin), archived, live.slice(liveBeforeRejoin));
          return merged.order.length >= kCount;
        }, 'every post at the client', 120_000);
        const done = Date.now();
        untap();
        const liveIds = live.map(stanzaId);
        const liveDuplicates = liveIds.length - new Set(liveIds).size;
        assert.deepEqual(merged.order, expected, 'every post once (by stanza-id), in order');
        t.diagnostic(`kill, Mattermost -> XMPP: ${liveAtKill} of ${kCount / 2} posts had ` +
          `reached the client when parleyd was killed; ${archived.length} came from the ` +
          `archive; raw duplicates: ${liveDuplicates} live (re-sent with the same stanza-id), ` +
          `${merged.duplicates} in all (archive and live); all ${kCount} ` +
          `${seconds(done - posted)} after the last post; test ${seconds(done - started)}`);
      });

  test('parleyd SIGKILLed in a burst of 1,000 XMPP messages: exactly 1,000 posts, in order',
      async (t) => {
        const started = Date.now();
        const name = 'kill-in';
        // In the room (again: the parleyd of the test before is a new process).
        if (await xena.selfPing(room(name), 'xena') !== 'joined') await joinRoom(name);
        const acked = new Set();
        const bounced = [];
        const reflections = [];
        const untapAcks = xena.tap((s) => s.is('message') && s.attrs.type === 'groupchat' &&
            s.attrs.from === `${room(name)}/xena` && (s.attrs.id || '').startsWith('burst-'),
        reflections);
        const untapErrors = xena.tap((s) => s.is('message') && s.attrs.type === 'error' &&
            (s.attrs.id || '').startsWith('burst-'), bounced);
        const ack = () => {
          for (const s of reflections.splice(0)) acked.add(s.attrs.id);
        };
        const ids = Array.from({length: kCount}, (_, i) => `burst-${i + 1}`);
        const message = (id) => groupchat(room(name), id, `message ${id.slice(6)}`);

        let killed = false;
        let ackedAtKill = 0;
        const kill = (async () => {
          await until(() => {
            ack();
            return acked.size >= kCount * 0.3;
          }, 'a third of the burst to be posted', 60_000);
          ackedAtKill = acked.size;
          await killAndRestart();
          killed = true;
        })();
        // Paced like a busy client (about 250 a second), so that the kill and the restart fall in
        // the middle of the burst and Prosody bounces what it cannot hand to the component.
        for (const [i, id] of ids.entries()) {
          await xena.send(message(id));
          if (i % 10 === 9) await new Promise((resolve) => setTimeout(resolve, 40));
        }
        await kill;
        assert.ok(killed);
        const restarted = Date.now();
        // The client's retry, as a real one does: rejoin when the room has forgotten it, then
        // re-send every message that was not reflected to it (bounced by Prosody while the
        // component was down, refused because it was no occupant, or lost with the process),
        // in order, with the same id.
        assert.equal(await xena.selfPing(room(name), 'xena'), 'not-acceptable');
        await joinRoom(name);
        let rounds = 0;
        let resent = 0;
        for (; rounds < 5; ++rounds) {
          ack();
          const missing = ids.filter((id) => !acked.has(id));
          if (missing.length === 0) break;
          resent += missing.length;
          for (const id of missing) await xena.send(message(id));
          const target = acked.size + missing.length;
          await until(() => {
            ack();
            return acked.size >= target;
          }, 'the re-sent messages to be reflected', 60_000).catch(() => {});
        }
        ack();
        const done = Date.now();
        untapAcks();
        untapErrors();
        assert.equal(acked.size, kCount, `${kCount - acked.size} never acknowledged`);
        const posts = await channelPosts(name);
        assert.equal(posts.length, kCount, 'exactly one post per message');
        assert.deepEqual(posts.map((p) => p.message),
            ids.map((id) => `message ${id.slice(6)}`), 'in the order they were sent');
        assert.equal(new Set(posts.map((p) => p.user_id)).size, 1, "all of them xena's puppet");
        t.diagnostic(`kill, XMPP -> Mattermost: ${ackedAtKill} messages acknowledged when ` +
          `parleyd was killed; ${bounced.length} bounced or refused; ${resent} re-sent in ` +
          `${rounds} round(s); ${kCount} posts ${seconds(done - restarted)} after the restart; ` +
          `test ${seconds(done - started)}`);
      });
});
