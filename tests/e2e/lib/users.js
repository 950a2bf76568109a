'use strict';
// Helpers of the user, token and bot tests: an administrator and users made through the API,
// and a look at the gateway's database to check that a refused request changed nothing.

const {Gateway} = require('./gateway');
const {run} = require('./process');

const kPassword = 'correct horse battery staple';

// Runs one SQL query on the gateway's database and resolves with its rows (unaligned text,
// columns separated by '|'). Throws when psql fails.
async function sql(gateway, query) {
  const result = await run('psql', ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1',
    gateway.env.PARLEY_DATABASE_DSN, '-c', query]);
  if (result.code !== 0) throw new Error(`psql failed: ${result.stderr}`);
  return result.stdout.trim().split('\n').filter(Boolean);
}

// A snapshot of the accounts tables, to compare before and after a refused request.
async function accountsSnapshot(gateway) {
  return sql(gateway,
      "SELECT 'users', md5(string_agg(u::text, ',' ORDER BY id)) FROM users u " +
      "UNION ALL SELECT 'tokens', md5(string_agg(t::text, ',' ORDER BY id)) " +
      'FROM user_access_tokens t ' +
      "UNION ALL SELECT 'bots', md5(string_agg(b::text, ',' ORDER BY user_id)) FROM bots b " +
      "UNION ALL SELECT 'preferences', md5(string_agg(p::text, ',' ORDER BY user_id, category, " +
      'name)) FROM preferences p');
}

// Creates the first account through the API (it becomes the system admin) and logs in.
async function firstAdmin(gateway, {username = 'admin', email = 'admin@parley.test'} = {}) {
  const client = gateway.client();
  const user = await client.createUser({username, email, password: kPassword});
  await client.login(username, kPassword);
  return {client, user};
}

// An account made by `admin` (a logged-in Client4), and a client logged in as it.
async function newUser(gateway, admin, username) {
  const user = await admin.createUser({username, email: `${username}@parley.test`,
    password: kPassword});
  const client = gateway.client();
  await client.login(username, kPassword);
  return {client, user};
}

// A fresh gateway whose first account is the admin, plus one logged-in user per name:
// resolves with {gateway, admin, users: {name: {client, user}}}.
async function gatewayWithUsers(...names) {
  const gateway = await Gateway.start();
  const admin = await firstAdmin(gateway);
  const users = {};
  for (const name of names) users[name] = await newUser(gateway, admin.client, name);
  return {gateway, admin, users};
}

module.exports = {kPassword, sql, accountsSnapshot, firstAdmin, newUser, gatewayWithUsers};
