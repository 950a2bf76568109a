'use strict';
// Users, sessions and database snapshots for the team, channel and guest tests.
//
// There is no user-creation route yet, so users are written straight into the gateway's
// database with psql, each with a session whose token a Client4 then sends as a Bearer token
// (the sessions table keeps only the token's SHA-256, as parleyd does). snapshot() reads the
// rows a failed request must leave alone, for "nothing changed" assertions.

const assert = require('node:assert/strict');
const crypto = require('node:crypto');

const {run} = require('./process');

// Runs SQL on the gateway's database; resolves with the unaligned, tab-separated output.
async function sql(gateway, text) {
  const result = await run('psql', ['-X', '-q', '-t', '-A', '-F', '\t', '-v', 'ON_ERROR_STOP=1',
    gateway.env.PARLEY_DATABASE_DSN, '-c', text]);
  if (result.code !== 0) throw new Error(`psql failed:\n${result.stderr}`);
  return result.stdout.trim();
}

const kAlphabet = 'ybndrfg8ejkmcpqxot1uwisza345h769';
function newId() {
  return Array.from(crypto.randomBytes(26), (byte) => kAlphabet[byte % 32]).join('');
}

// Creates an active user (roles: 'system_user', 'system_guest' or 'system_admin system_user')
// and a session; resolves with {id, username, roles, client} where client is a logged-in
// Client4.
async function createUser(gateway, {username, roles = 'system_user'} = {}) {
  const id = newId();
  const name = username ?? `user${id.slice(0, 8)}`;
  const token = newId();
  const hash = crypto.createHash('sha256').update(token).digest('hex');
  const now = Date.now();
  await sql(gateway, `
    INSERT INTO users (id, create_at, update_at, username, email, roles)
      VALUES ('${id}', ${now}, ${now}, '${name}', '${name}@parley.test', '${roles}');
    INSERT INTO sessions (id, token_hash, create_at, expires_at, last_activity_at, user_id,
                          roles, csrf_token)
      VALUES ('${newId()}', decode('${hash}', 'hex'), ${now}, ${now + 86_400_000}, ${now},
              '${id}', '${roles}', '${newId()}');`);
  const client = gateway.client();
  client.setToken(token);
  return {id, username: name, roles, client};
}

// The rows of every table a team or channel call writes, in a stable order.
async function snapshot(gateway) {
  return sql(gateway, `
    SELECT 'team', id, name, display_name, delete_at::text, update_at::text,
      allow_open_invite::text
      FROM teams
    UNION ALL SELECT 'team_member', team_id, user_id, roles, delete_at::text,
      scheme_admin::text || scheme_user::text || scheme_guest::text, '' FROM team_members
    UNION ALL SELECT 'channel', id, name, display_name || '|' || header || '|' || purpose,
      delete_at::text, update_at::text, type FROM channels
    UNION ALL SELECT 'channel_member', channel_id, user_id, roles, last_viewed_at::text,
      scheme_admin::text || scheme_user::text || scheme_guest::text, notify_props::text
      FROM channel_members
    UNION ALL SELECT 'sidebar_category', id, user_id || '/' || team_id, type || '|' || display_name,
      sort_order::text, muted::text || collapsed::text, sorting FROM sidebar_categories
    UNION ALL SELECT 'sidebar_channel', category_id, channel_id, user_id, sort_order::text, '', ''
      FROM sidebar_channels
    ORDER BY 1, 2, 3`);
}

// Runs `action` (which must fail) and checks that the database is as it was before.
async function assertUnchanged(gateway, action) {
  const before = await snapshot(gateway);
  await action();
  assert.equal(await snapshot(gateway), before, 'the failed call changed the database');
}

module.exports = {assertUnchanged, createUser, newId, snapshot, sql};
