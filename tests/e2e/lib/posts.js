'use strict';
// The world of the post, thread, reaction and search tests, made through the API
// (lib/world.js), and the "nothing changed" check of refused requests.

const assert = require('node:assert/strict');

const {assertClientError} = require('./assert_client_error');
const {sql} = require('./database');
const {Gateway} = require('./gateway');
const {buildWorld} = require('./world');

// Users admin (system admin), alice, bob, carol (system users), guest (system guest);
// team "ops" with everyone (guest as team guest), and team "other" with alice only;
// channels town (open; all but carol), secret (private; alice only), guestroom (private;
// alice and guest), archived (open, archived; alice), elsewhere (open, team "other"; alice).
function seedWorld(gateway) {
  return buildWorld(gateway, {
    users: {alice: 'system_user', bob: 'system_user', carol: 'system_user',
      guest: 'system_guest'},
    teams: {ops: ['admin', 'alice', 'bob', 'carol', 'guest'], other: ['alice']},
    channels: {
      town: {team: 'ops', name: 'town', members: ['admin', 'alice', 'bob', 'guest']},
      secret: {team: 'ops', name: 'secret', type: 'P', members: ['alice']},
      guestroom: {team: 'ops', name: 'guest-room', type: 'P', members: ['alice', 'guest']},
      archived: {team: 'ops', name: 'old-news', members: ['alice'], archived: true},
      elsewhere: {team: 'other', name: 'elsewhere', members: ['alice']},
    },
  });
}

// What a refused request must not change: the posts, reactions and counters of the database.
function snapshot(gateway) {
  return sql(gateway, `SELECT
      (SELECT count(*) FROM posts),
      (SELECT COALESCE(max(update_at), 0) FROM posts),
      (SELECT count(*) FROM reactions WHERE delete_at = 0),
      (SELECT COALESCE(sum(total_msg_count), 0) FROM channels),
      (SELECT COALESCE(sum(msg_count + mention_count + last_viewed_at), 0) FROM channel_members)`);
}

// A gateway with the world of seedWorld(): resolves with {gateway, world}.
async function startWorld() {
  const gateway = await Gateway.start();
  try {
    return {gateway, world: await seedWorld(gateway)};
  } catch (error) {
    await gateway.stop();
    throw error;
  }
}

// Runs `call`, expects it to fail with `expected` ({status, id}), and checks that the database
// did not change.
async function assertRefused(gateway, call, expected) {
  const state = await snapshot(gateway);
  await assertClientError(call(), expected);
  assert.deepEqual(await snapshot(gateway), state, 'the database is unchanged');
}

module.exports = {assertRefused, snapshot, startWorld};
