'use strict';
// A small world for the post, thread, reaction and search tests: users, one team, channels and
// memberships written straight into the gateway's database with psql (they are not what these
// tests are about), and a logged-in Client4 per user through a session row whose token hash is
// what parleyd stores (SHA-256 of the token). `sql()` also lets a test check that a refused
// request changed nothing.

const assert = require('node:assert/strict');
const crypto = require('node:crypto');

const {assertClientError} = require('./assert_client_error');
const {Gateway} = require('./gateway');

const {run} = require('./process');

// 26-character ids in Mattermost's shape, readable in failures.
function id(label) {
  return (label + crypto.randomBytes(16).toString('hex')).replace(/[^a-z0-9]/g, '').slice(0, 26);
}

// Runs SQL on the gateway's database; resolves with the rows as arrays of strings.
async function sql(gateway, query) {
  const result = await run('psql', ['-X', '-q', '-A', '-t', '-F', '\t', '-v', 'ON_ERROR_STOP=1',
    gateway.env.PARLEY_DATABASE_DSN, '-c', query]);
  if (result.code !== 0) throw new Error(`psql failed: ${result.stderr}\n${query}`);
  return result.stdout.split('\n').filter((line) => line !== '').map((line) => line.split('\t'));
}

// The single value of a one-row, one-column query.
async function scalar(gateway, query) {
  const rows = await sql(gateway, query);
  return rows.length ? rows[0][0] : undefined;
}

const quote = (text) => `'${String(text).replace(/'/g, "''")}'`;

// Creates:
//   users admin (system admin), alice, bob, carol (system users), guest (system guest);
//   team "ops" with everyone (guest as team guest), and team "other" with alice only;
//   channels town (open; all but carol), secret (private; alice only), guestroom (private;
//   alice and guest), archived (open, archived; alice), elsewhere (open, team "other"; alice).
// Resolves with {users, teams, channels, client(name)}.
async function seedWorld(gateway) {
  const users = {};
  for (const [name, roles] of [['admin', 'system_admin system_user'], ['alice', 'system_user'],
    ['bob', 'system_user'], ['carol', 'system_user'], ['guest', 'system_guest']]) {
    users[name] = {id: id(name), username: name, roles, token: id('tok')};
  }
  const teams = {ops: id('teamops'), other: id('teamother')};
  const channels = {town: id('town'), secret: id('secret'), guestroom: id('guestroom'),
    archived: id('archived'), elsewhere: id('elsewhere')};
  const teamMembers = {
    ops: ['admin', 'alice', 'bob', 'carol', 'guest'],
    other: ['alice'],
  };
  const channelDefs = [
    ['town', 'ops', 'O', 'town-square', 0, ['admin', 'alice', 'bob', 'guest']],
    ['secret', 'ops', 'P', 'secret', 0, ['alice']],
    ['guestroom', 'ops', 'P', 'guest-room', 0, ['alice', 'guest']],
    ['archived', 'ops', 'O', 'old-news', 1, ['alice']],
    ['elsewhere', 'other', 'O', 'elsewhere', 0, ['alice']],
  ];
  const now = Date.now();
  const statements = [];
  for (const user of Object.values(users)) {
    statements.push(`INSERT INTO users (id, create_at, update_at, username, email, roles) VALUES
      (${quote(user.id)}, ${now}, ${now}, ${quote(user.username)},
       ${quote(user.username + '@parley.test')}, ${quote(user.roles)})`);
    statements.push(`INSERT INTO sessions (id, token_hash, create_at, expires_at,
      last_activity_at, user_id, roles, csrf_token) VALUES (${quote(id('sess'))},
      sha256(${quote(user.token)}::bytea), ${now},
      ${now + 86_400_000}, ${now}, ${quote(user.id)}, ${quote(user.roles)}, ${quote(id('csrf'))})`);
  }
  for (const [team, members] of Object.entries(teamMembers)) {
    statements.push(`INSERT INTO teams (id, create_at, display_name, name) VALUES
      (${quote(teams[team])}, ${now}, ${quote(team)}, ${quote(team)})`);
    for (const member of members) {
      const guest = member === 'guest';
      statements.push(`INSERT INTO team_members (team_id, user_id, scheme_user, scheme_guest)
        VALUES (${quote(teams[team])}, ${quote(users[member].id)}, ${!guest}, ${guest})`);
    }
  }
  for (const [key, team, type, name, archived, members] of channelDefs) {
    statements.push(`INSERT INTO channels (id, create_at, delete_at, team_id, type, display_name,
      name) VALUES (${quote(channels[key])}, ${now}, ${archived ? now : 0}, ${quote(teams[team])},
      ${quote(type)}, ${quote(name)}, ${quote(name)})`);
    for (const member of members) {
      const guest = member === 'guest';
      statements.push(`INSERT INTO channel_members (channel_id, user_id, scheme_user,
        scheme_guest) VALUES (${quote(channels[key])}, ${quote(users[member].id)}, ${!guest},
        ${guest})`);
    }
  }
  await sql(gateway, statements.join(';\n'));
  const client = (name) => {
    const c = gateway.client();
    c.setToken(users[name].token);
    return c;
  };
  return {users, teams, channels, client};
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

module.exports = {assertRefused, id, seedWorld, snapshot, sql, scalar, startWorld};
