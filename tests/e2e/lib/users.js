'use strict';
// The one way the e2e tests make accounts: through the API, as an administrator would. The
// first account of a gateway is created anonymously with POST /api/v4/users (it becomes the
// system admin); every other one by that admin's Client4, with its roles set by
// PUT /users/{id}/roles, and then logged in with POST /users/login.
//
// A user is {id, username, roles, user, client, token}: `user` as the server returned it,
// `client` a Client4 logged in as them, `token` its session token (for raw fetch calls).

const {Gateway} = require('./gateway');
const {checksums} = require('./database');

const kPassword = 'correct horse battery staple';

// gateway → the promise of its first admin, whom createUser() makes accounts with.
const admins = new WeakMap();

async function loggedIn(gateway, user) {
  const client = gateway.client();
  await client.login(user.username, kPassword);
  return {id: user.id, username: user.username, roles: user.roles, user, client,
    token: client.getToken()};
}

// Creates the gateway's first account through the API (it becomes the system admin) and
// logs in. Call it at most once per gateway, before createUser(); createUser() calls it itself
// when no admin was made yet.
function firstAdmin(gateway, {username = 'admin'} = {}) {
  const admin = (async () => {
    const client = gateway.client();
    const user = await client.createUser({username, email: `${username}@parley.test`,
      password: kPassword});
    return loggedIn(gateway, user);
  })();
  admins.set(gateway, admin);
  return admin;
}

let unnamed = 0;

// An account made by the gateway's first admin, with `roles` ('system_user', 'system_guest' or
// 'system_admin system_user'), logged in. Without a username one is made up.
async function createUser(gateway, {username, roles = 'system_user'} = {}) {
  const admin = await (admins.get(gateway) ?? firstAdmin(gateway));
  const name = username ?? `someone${++unnamed}`;
  const user = await admin.client.createUser({username: name, email: `${name}@parley.test`,
    password: kPassword});
  if (roles !== user.roles) {
    await admin.client.updateUserRoles(user.id, roles);
    user.roles = roles;
  }
  return loggedIn(gateway, user);
}

// A fresh gateway whose first account is the admin, plus one logged-in user per name:
// resolves with {gateway, admin, users: {name: user}}.
async function gatewayWithUsers(...names) {
  const gateway = await Gateway.start();
  try {
    const admin = await firstAdmin(gateway);
    const users = {};
    for (const name of names) users[name] = await createUser(gateway, {username: name});
    return {gateway, admin, users};
  } catch (error) {
    await gateway.stop();
    throw error;
  }
}

// A snapshot of the accounts tables, to compare before and after a refused request.
function accountsSnapshot(gateway) {
  return checksums(gateway, ['users', 'user_access_tokens', 'bots', 'preferences']);
}

module.exports = {kPassword, accountsSnapshot, createUser, firstAdmin, gatewayWithUsers};
