'use strict';
// Accounts through Client4 (reference/mattermost-api.md §5.2, §9): sign-up rules, lookups,
// lists, patches, deactivation, passwords, preferences, statuses, images, and the refusals
// with Mattermost's statuses and error ids, leaving the database unchanged.

const assert = require('node:assert/strict');
const {after, before, describe, test} = require('node:test');

const {assertClientError} = require('../lib/assert_client_error');
const {Gateway} = require('../lib/gateway');
const {run} = require('../lib/process');
const {scalar, sql} = require('../lib/database');
const {kPassword, accountsSnapshot, createUser, firstAdmin, gatewayWithUsers} =
    require('../lib/users');

const kForbidden = {status: 403, id: 'api.context.permissions.app_error'};

describe('sign-up rules', () => {
  test('the first account becomes system admin; then strangers cannot sign up', async () => {
    const gateway = await Gateway.start();
    try {
      const first = await gateway.client().createUser(
          {username: 'founder', email: 'founder@parley.test', password: kPassword});
      assert.equal(first.roles, 'system_admin system_user');
      assert.equal(first.password, undefined);

      const before = await accountsSnapshot(gateway);
      await assertClientError(gateway.client().createUser(
          {username: 'stranger', email: 'stranger@parley.test', password: kPassword}),
      {status: 403, id: 'api.user.create_user.no_open_server'});
      assert.deepEqual(await accountsSnapshot(gateway), before);

      const admin = gateway.client();
      await admin.login('founder', kPassword);
      const made = await admin.createUser(
          {username: 'member', email: 'member@parley.test', password: kPassword});
      assert.equal(made.roles, 'system_user');

      const member = gateway.client();
      await member.login('member', kPassword);
      await assertClientError(member.createUser(
          {username: 'friend', email: 'friend@parley.test', password: kPassword}),
      {status: 403, id: 'api.user.create_user.no_open_server'});
    } finally {
      await gateway.stop();
    }
  });

  test('with user creation disabled an anonymous sign-up is 501', async () => {
    const gateway = await Gateway.start({extra: 'security:\n  enable_user_creation: false\n'});
    try {
      await assertClientError(gateway.client().createUser(
          {username: 'someone', email: 'someone@parley.test', password: kPassword}),
      {status: 501, id: 'api.user.create_user.signup_email_disabled.app_error'});
      assert.equal(await scalar(gateway, 'SELECT count(*) FROM users'), '0');
    } finally {
      await gateway.stop();
    }
  });

  test('with open sign-up anyone gets a plain account', async () => {
    const gateway = await Gateway.start({extra: 'security:\n  enable_open_server: true\n'});
    try {
      await firstAdmin(gateway);
      const joined = await gateway.client().createUser(
          {username: 'visitor', email: 'visitor@parley.test', password: kPassword});
      assert.equal(joined.roles, 'system_user');
    } finally {
      await gateway.stop();
    }
  });
});

describe('users', () => {
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

  test('a script with an admin token creates a user with curl', async () => {
    const result = await run('curl', ['-sS', '-o', '-', '-w', '\n%{http_code}',
      '-H', `Authorization: Bearer ${admin.client.getToken()}`,
      '-H', 'Content-Type: application/json',
      '-d', JSON.stringify({username: 'scripted', email: 'scripted@parley.test',
        password: kPassword}),
      `${gateway.url}/api/v4/users`]);
    assert.equal(result.code, 0, result.stderr);
    const [body, status] = result.stdout.split('\n');
    assert.equal(status, '201');
    assert.equal(JSON.parse(body).username, 'scripted');
    assert.equal((await admin.client.getUserByUsername('scripted')).email,
        'scripted@parley.test');
  });

  test('bad input for a new user is refused with the field error', async () => {
    const before = await accountsSnapshot(gateway);
    const cases = [
      [{username: '1abc', email: 'x@parley.test', password: kPassword},
        'model.user.is_valid.username.app_error'],
      [{username: 'valid', email: 'not-an-email', password: kPassword},
        'model.user.is_valid.email.app_error'],
      [{username: 'valid', email: 'x@parley.test', password: 'short'},
        'model.user.is_valid.pwd_min_length.app_error'],
      [{username: 'valid', email: 'x@parley.test', password: 'x'.repeat(73)},
        'model.user.is_valid.pwd_max_length.app_error'],
      [{username: 'valid', email: 'x@parley.test', password: kPassword, nickname: 'n'.repeat(65)},
        'model.user.is_valid.nickname.app_error'],
      [{username: 42, email: 'x@parley.test', password: kPassword},
        'api.context.invalid_body_param.app_error'],
      [{username: 'alice', email: 'other@parley.test', password: kPassword},
        'app.user.save.username_exists.app_error'],
      [{username: 'other', email: 'ALICE@parley.test', password: kPassword},
        'app.user.save.email_exists.app_error'],
    ];
    for (const [user, id] of cases) {
      await assertClientError(admin.client.createUser(user), {status: 400, id});
    }
    const raw = await fetch(`${gateway.url}/api/v4/users`, {method: 'POST',
      headers: {Authorization: `Bearer ${admin.client.getToken()}`}, body: '{"username": '});
    assert.equal(raw.status, 400);
    assert.equal((await raw.json()).id, 'api.context.invalid_body_param.app_error');
    assert.deepEqual(await accountsSnapshot(gateway), before);
  });

  test('lookups by id, username, email, ids and usernames', async () => {
    const byId = await alice.client.getUser(bob.user.id);
    assert.equal(byId.username, 'bob');
    assert.equal(byId.notify_props, undefined, 'other users do not see notify_props');
    assert.equal((await alice.client.getUserByUsername('BOB')).id, bob.user.id);
    assert.equal((await alice.client.getUserByEmail('bob@parley.test')).id, bob.user.id);
    const own = await alice.client.getUser(alice.user.id);
    assert.ok(own.notify_props, 'a user sees their own notify_props');

    const many = await alice.client.getProfilesByIds([alice.user.id, bob.user.id,
      'abcdefghijklmnopqrstuvwxyz']);
    assert.deepEqual(many.map((u) => u.username).sort(), ['alice', 'bob']);
    const later = await alice.client.getProfilesByIds([bob.user.id],
        {since: Date.now() + 60_000});
    assert.deepEqual(later, []);
    const named = await alice.client.getProfilesByUsernames(['bob', 'nobody']);
    assert.deepEqual(named.map((u) => u.id), [bob.user.id]);

    await assertClientError(alice.client.getUser('not-an-id'),
        {status: 400, id: 'api.context.invalid_url_param.app_error'});
    await assertClientError(alice.client.getUser('abcdefghijklmnopqrstuvwxyz'),
        {status: 404, id: 'app.user.missing_account.const'});
    await assertClientError(alice.client.getProfilesByIds(['short']),
        {status: 400, id: 'api.context.invalid_body_param.app_error'});
  });

  test('lists, autocomplete and search', async () => {
    const page = await alice.client.getProfiles(0, 2);
    assert.equal(page.length, 2);
    assert.deepEqual(page.map((u) => u.username), ['admin', 'alice']);
    const admins = await alice.client.getProfiles(0, 60, {role: 'system_admin'});
    assert.deepEqual(admins.map((u) => u.username), ['admin']);
    const auto = await alice.client.autocompleteUsers('BO', '', '');
    assert.deepEqual(auto.users.map((u) => u.username), ['bob']);
    const found = await alice.client.searchUsers('al', {});
    assert.deepEqual(found.map((u) => u.username), ['alice']);
    await assertClientError(alice.client.searchUsers('', {}),
        {status: 400, id: 'api.context.invalid_body_param.app_error'});
    await assertClientError(alice.client.getProfiles(0, 60, {in_team: 'nope'}),
        {status: 400, id: 'api.context.invalid_url_param.app_error'});
    await assertClientError(alice.client.getProfiles(0, 60,
        {in_team: 'abcdefghijklmnopqrstuvwxyz'}), kForbidden);
  });

  test('patchMe changes what a user may change, never roles', async () => {
    const patched = await alice.client.patchMe({nickname: 'Al', position: 'Pilot',
      roles: 'system_admin system_user', timezone: {useAutomaticTimezone: 'false',
        manualTimezone: 'Europe/Paris'}});
    assert.equal(patched.nickname, 'Al');
    assert.equal(patched.position, 'Pilot');
    assert.equal(patched.roles, 'system_user');
    assert.equal(patched.timezone.manualTimezone, 'Europe/Paris');
    assert.equal((await bob.client.getUser(alice.user.id)).nickname, 'Al');

    const before = await accountsSnapshot(gateway);
    await assertClientError(bob.client.patchUser({id: alice.user.id, nickname: 'hacked'}),
        kForbidden);
    await assertClientError(alice.client.patchMe({username: 'Not Valid'}),
        {status: 400, id: 'model.user.is_valid.username.app_error'});
    await assertClientError(alice.client.patchMe({username: 'bob'}),
        {status: 400, id: 'app.user.save.username_exists.app_error'});
    await assertClientError(alice.client.patchMe({nickname: 7}),
        {status: 400, id: 'api.context.invalid_body_param.app_error'});
    assert.deepEqual(await accountsSnapshot(gateway), before);

    const byAdmin = await admin.client.patchUser({id: bob.user.id, first_name: 'Robert'});
    assert.equal(byAdmin.first_name, 'Robert');
  });

  test('update replaces the whole user: what it omits is reset, roles never change', async () => {
    const erin = await createUser(gateway, {username: 'erin'});
    await erin.client.patchMe({nickname: 'E', first_name: 'Erin', position: 'Ops',
      props: {theme: 'dark'}});
    const whole = {id: erin.id, username: 'erin', email: 'erin@parley.test'};
    const updated = await erin.client.updateUser({...whole, last_name: 'Smith',
      roles: 'system_admin system_user'});
    assert.equal(updated.last_name, 'Smith');
    assert.deepEqual([updated.nickname, updated.first_name, updated.position], ['', '', '']);
    assert.deepEqual(updated.props ?? {}, {});
    assert.equal(updated.roles, 'system_user');
    assert.equal((await alice.client.getUser(erin.id)).first_name, '', 'stored, not just answered');

    const before = await accountsSnapshot(gateway);
    await assertClientError(erin.client.updateUser({id: erin.id, email: 'erin@parley.test',
      nickname: 'no name'}), {status: 400, id: 'model.user.is_valid.username.app_error'});
    await assertClientError(erin.client.doFetch(erin.client.getUserRoute(erin.id),
        {method: 'put', body: JSON.stringify({...whole, id: bob.user.id})}),
    {status: 400, id: 'api.context.invalid_body_param.app_error'});
    await assertClientError(bob.client.updateUser({...whole, nickname: 'hijacked'}), kForbidden);
    assert.deepEqual(await accountsSnapshot(gateway), before);
  });

  test('deactivation ends sessions; only admins may do it; reactivation restores', async () => {
    const carol = await createUser(gateway, {username: 'carol'});
    await assertClientError(bob.client.updateUserActive(carol.user.id, false), kForbidden);
    await assertClientError(carol.client.updateUserActive(carol.user.id, false),
        {status: 401, id: 'api.user.update_active.not_enable.app_error'});

    await admin.client.updateUserActive(carol.user.id, false);
    await assertClientError(carol.client.getMe(),
        {status: 401, id: 'api.context.session_expired.app_error'});
    await assertClientError(gateway.client().login('carol', kPassword),
        {status: 401, id: 'api.user.login.inactive.app_error'});
    const inactive = await admin.client.getProfiles(0, 60, {inactive: true});
    assert.deepEqual(inactive.map((u) => u.username), ['carol']);

    await admin.client.updateUserActive(carol.user.id, true);
    await gateway.client().login('carol', kPassword);
    const deleted = await fetch(`${gateway.url}/api/v4/users/${carol.user.id}`,
        {method: 'DELETE', headers: {Authorization: `Bearer ${admin.client.getToken()}`}});
    assert.equal(deleted.status, 200);
    assert.notEqual((await admin.client.getUser(carol.user.id)).delete_at, 0);
  });

  test('passwords: own with the current one; an admin unlocks a locked account', async () => {
    const dave = await createUser(gateway, {username: 'dave'});
    await assertClientError(dave.client.updateUserPassword(dave.user.id, 'wrong password!',
        'a new password'), {status: 400, id: 'api.user.update_password.incorrect.app_error'});
    await assertClientError(bob.client.updateUserPassword(dave.user.id, kPassword,
        'a new password'), kForbidden);
    await dave.client.updateUserPassword(dave.user.id, kPassword, 'a new password');
    await gateway.client().login('dave', 'a new password');

    await assertClientError(gateway.client().login('dave', 'not the password'),
        {status: 401, id: 'api.user.login.invalid_credentials_email_username'});
    // Nine more failures, without waiting for the login rate limits to refill.
    await sql(gateway, `UPDATE users SET failed_attempts = failed_attempts + 9
        WHERE username = 'dave'`);
    await assertClientError(gateway.client().login('dave', 'a new password'),
        {status: 401, id: 'api.user.check_user_login_attempts.too_many.app_error'});
    await admin.client.updateUserPassword(dave.user.id, '', 'reset by admin');
    await gateway.client().login('dave', 'reset by admin');
  });

  test('preferences, statuses and the profile image', async () => {
    const prefs = [{user_id: alice.user.id, category: 'display_settings',
      name: 'use_military_time', value: 'true'}];
    await alice.client.savePreferences(alice.user.id, prefs);
    assert.deepEqual(await alice.client.getMyPreferences(), prefs);
    await assertClientError(bob.client.savePreferences(alice.user.id, prefs), kForbidden);
    await assertClientError(alice.client.savePreferences(alice.user.id,
        [{...prefs[0], user_id: bob.user.id}]),
    {status: 400, id: 'api.context.invalid_body_param.app_error'});
    await alice.client.deletePreferences(alice.user.id, prefs);
    assert.deepEqual(await alice.client.getMyPreferences(), []);

    const statuses = await alice.client.getStatusesByIds([alice.user.id, bob.user.id]);
    assert.deepEqual(statuses.map((s) => s.status).sort(), ['online', 'online']);
    assert.equal((await alice.client.getStatus(bob.user.id)).user_id, bob.user.id);

    const image = await fetch(`${gateway.url}/api/v4/users/${bob.user.id}/image`,
        {headers: {Authorization: `Bearer ${alice.client.getToken()}`}});
    assert.equal(image.status, 200);
    assert.equal(image.headers.get('content-type'), 'image/png');
    const bytes = Buffer.from(await image.arrayBuffer());
    assert.equal(bytes.subarray(1, 4).toString(), 'PNG');
  });
});
