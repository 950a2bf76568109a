'use strict';
// Roles (reference/mattermost-api.md §5.8, §9.1): the built-in roles clients read, role changes
// by system admins only, what system_user_access_token grants, and the users a guest may see.

const assert = require('node:assert/strict');
const {after, before, describe, test} = require('node:test');

const {assertClientError} = require('../lib/assert_client_error');
const {sql} = require('../lib/database');
const {kPassword, accountsSnapshot, createUser, gatewayWithUsers} = require('../lib/users');

const kForbidden = {status: 403, id: 'api.context.permissions.app_error'};

describe('roles and guests', () => {
  let gateway;
  let admin;
  let alice;
  let bob;
  before(async () => {
    let users;
    ({gateway, admin, users} = await gatewayWithUsers('alice', 'bob'));
    ({alice, bob} = users);
  });
  after(() => gateway?.stop());

  test('getRolesByNames returns the permission lists clients gate their UI on', async () => {
    const roles = await alice.client.getRolesByNames(['channel_user', 'system_user', 'nope']);
    assert.deepEqual(roles.map((r) => r.name).sort(), ['channel_user', 'system_user']);
    const channelUser = roles.find((r) => r.name === 'channel_user');
    for (const permission of ['create_post', 'add_reaction', 'upload_file']) {
      assert.ok(channelUser.permissions.includes(permission), permission);
    }
    assert.equal(channelUser.built_in, true);
    assert.match(channelUser.id, /^[a-z0-9]{26}$/);
    assert.deepEqual(await alice.client.getRole(channelUser.id), channelUser);
    assert.deepEqual(await alice.client.getRoleByName('channel_user'), channelUser);
    await assertClientError(alice.client.getRoleByName('no_such_role'),
        {status: 404, id: 'app.role.get_by_name.app_error'});
    await assertClientError(alice.client.getRolesByNames(['Bad Name']),
        {status: 400, id: 'api.context.invalid_body_param.app_error'});
  });

  test('only system admins change roles, to built-in system roles only', async () => {
    const before = await accountsSnapshot(gateway);
    await assertClientError(alice.client.updateUserRoles(alice.user.id,
        'system_admin system_user'), kForbidden);
    await assertClientError(admin.client.updateUserRoles(alice.user.id, 'system_user wizard'),
        {status: 400, id: 'api.context.invalid_body_param.app_error'});
    await assertClientError(admin.client.updateUserRoles(alice.user.id, 'channel_user'),
        {status: 400, id: 'api.context.invalid_body_param.app_error'});
    await assertClientError(admin.client.updateUserRoles('abcdefghijklmnopqrstuvwxyz',
        'system_user'), {status: 404, id: 'app.user.missing_account.const'});
    assert.deepEqual(await accountsSnapshot(gateway), before);
  });

  test('system_user_access_token lets a user make their own tokens', async () => {
    await assertClientError(alice.client.createUserAccessToken(alice.user.id, 'cli'), kForbidden);
    await admin.client.updateUserRoles(alice.user.id, 'system_user system_user_access_token');
    const token = await alice.client.createUserAccessToken(alice.user.id, 'cli');
    const cli = gateway.client();
    cli.setToken(token.token);
    assert.equal((await cli.getMe()).username, 'alice');
    await assertClientError(alice.client.createUserAccessToken(bob.user.id, 'not mine'),
        kForbidden);
  });

  test('a guest sees only the users who share a channel with them', async () => {
    const gus = await createUser(gateway, {username: 'gus'});
    await admin.client.updateUserRoles(gus.user.id, 'system_guest');
    const team = await admin.client.createTeam({name: 'coalition', display_name: 'Coalition',
      type: 'O'});
    const channel = await admin.client.createChannel({team_id: team.id, name: 'liaison',
      display_name: 'Liaison', type: 'P'});
    for (const user of [gus.user, bob.user]) await admin.client.addToTeam(team.id, user.id);
    await admin.client.addToChannel(gus.user.id, channel.id);
    await admin.client.addToChannel(bob.user.id, channel.id);

    assert.equal((await gus.client.getUser(bob.user.id)).username, 'bob');
    await assertClientError(gus.client.getUser(alice.user.id), kForbidden);
    await assertClientError(gus.client.getUserByUsername('alice'), kForbidden);
    await assertClientError(gus.client.getUser('abcdefghijklmnopqrstuvwxyz'), kForbidden);
    const listed = await gus.client.getProfiles(0, 200);
    assert.deepEqual(listed.map((u) => u.username).sort(), ['admin', 'bob', 'gus']);
    const byIds = await gus.client.getProfilesByIds([alice.user.id, bob.user.id]);
    assert.deepEqual(byIds.map((u) => u.username), ['bob']);
    const auto = await gus.client.autocompleteUsers('', '', '');
    assert.ok(!auto.users.some((u) => u.username === 'alice'));
    const found = await gus.client.searchUsers('ali', {});
    assert.deepEqual(found, []);
    const statuses = await gus.client.getStatusesByIds([alice.user.id, bob.user.id]);
    assert.deepEqual(statuses.map((s) => s.user_id), [bob.user.id]);

    // Ordinary users still see everyone.
    assert.equal((await alice.client.getUser(gus.user.id)).username, 'gus');
  });

  test('a puppet of a remote user cannot log in', async () => {
    const puppet = await createUser(gateway, {username: 'puppet'});
    await sql(gateway, `UPDATE users SET remote_bridge = 'matrix',
        remote_user_id = '@puppet:partner.example' WHERE id = '${puppet.user.id}'`);
    await assertClientError(gateway.client().login('puppet', kPassword),
        {status: 401, id: 'api.user.login.remote_users.login.error'});
  });
});
