'use strict';
// Personal access tokens (reference/mattermost-api.md §3.4): created by whoever may, used as
// `Authorization: Bearer` by a second Client4, stopped at once by revoke and disable.

const assert = require('node:assert/strict');
const {after, before, describe, test} = require('node:test');

const {assertClientError} = require('../lib/assert_client_error');
const {Gateway} = require('../lib/gateway');
const {accountsSnapshot, createUser, firstAdmin} = require('../lib/users');

const kExpired = {status: 401, id: 'api.context.session_expired.app_error'};
const kForbidden = {status: 403, id: 'api.context.permissions.app_error'};

describe('personal access tokens', () => {
  let gateway;
  let admin;
  let alice;
  before(async () => {
    gateway = await Gateway.start();
    admin = await firstAdmin(gateway);
    alice = await createUser(gateway, {username: 'alice'});
  });
  after(() => gateway?.stop());

  test('an admin token works as a Bearer token until it is revoked', async () => {
    const token = await admin.client.createUserAccessToken(admin.user.id, 'deploy script');
    assert.match(token.token, /^[a-z0-9]{26}$/);
    assert.equal(token.user_id, admin.user.id);
    assert.equal(token.is_active, true);

    const script = gateway.client();
    script.setToken(token.token);
    assert.equal((await script.getMe()).id, admin.user.id);
    assert.equal((await script.getMe()).id, admin.user.id, 'the second use works too');

    const listed = await admin.client.getUserAccessTokensForUser(admin.user.id);
    assert.deepEqual(listed.map((t) => t.id), [token.id]);
    assert.equal(listed[0].token, undefined, 'the token is shown only once');
    assert.equal((await admin.client.getUserAccessToken(token.id)).description, 'deploy script');

    await admin.client.disableUserAccessToken(token.id);
    await assertClientError(script.getMe(), kExpired);
    await admin.client.enableUserAccessToken(token.id);
    assert.equal((await script.getMe()).id, admin.user.id);

    await admin.client.revokeUserAccessToken(token.id);
    await assertClientError(script.getMe(), kExpired);
    await assertClientError(admin.client.getUserAccessToken(token.id),
        {status: 404, id: 'app.user_access_token.get.app_error'});
  });

  test('users need the token role; nobody reaches another user\'s tokens', async () => {
    const before = await accountsSnapshot(gateway);
    await assertClientError(alice.client.createUserAccessToken(alice.user.id, 'mine'),
        kForbidden);
    const adminToken = await admin.client.createUserAccessToken(admin.user.id, 'admin only');
    const afterAdmin = await accountsSnapshot(gateway);
    assert.notDeepEqual(afterAdmin, before);
    await assertClientError(alice.client.getUserAccessToken(adminToken.id), kForbidden);
    await assertClientError(alice.client.revokeUserAccessToken(adminToken.id), kForbidden);
    await assertClientError(admin.client.createUserAccessToken(admin.user.id, ''),
        {status: 400, id: 'api.context.invalid_body_param.app_error'});
    await assertClientError(admin.client.revokeUserAccessToken('nope'),
        {status: 400, id: 'api.context.invalid_body_param.app_error'});
    assert.deepEqual(await accountsSnapshot(gateway), afterAdmin);
  });

  test('an admin makes a token for a user; deactivating the user stops it', async () => {
    const bob = await createUser(gateway, {username: 'bob'});
    const token = await admin.client.createUserAccessToken(bob.user.id, 'for bob');
    const script = gateway.client();
    script.setToken(token.token);
    assert.equal((await script.getMe()).username, 'bob');
    await admin.client.updateUserActive(bob.user.id, false);
    await assertClientError(script.getMe(), kExpired);
  });

  test('system admins list everyone\'s tokens; nobody else does', async () => {
    const carol = await createUser(gateway, {username: 'carol'});
    const mine = await admin.client.createUserAccessToken(admin.user.id, 'all: mine');
    const hers = await admin.client.createUserAccessToken(carol.user.id, 'all: hers');
    const all = await admin.client.getUserAccessTokens(0, 200);
    assert.ok(all.length >= 2);
    for (const token of [mine, hers]) {
      const listed = all.find((t) => t.id === token.id);
      assert.deepEqual(listed, {id: token.id, user_id: token.user_id,
        description: token.description, is_active: true}, 'never the token itself');
    }
    const pages = [...await admin.client.getUserAccessTokens(0, 1),
      ...await admin.client.getUserAccessTokens(1, 1)];
    assert.deepEqual(pages.map((t) => t.id), all.slice(0, 2).map((t) => t.id), 'paged');
    await assertClientError(alice.client.getUserAccessTokens(), kForbidden);
    await assertClientError(carol.client.getUserAccessTokens(), kForbidden);
    await assertClientError(gateway.client().getUserAccessTokens(), kExpired);
  });
});
