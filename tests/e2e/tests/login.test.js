'use strict';
// Logging in as the official client does (reference/mattermost-api.md §3.1): Client4.login()
// takes the session token from the Token header and sends it as a Bearer token afterwards.

const assert = require('node:assert/strict');
const {after, before, describe, test} = require('node:test');

const {assertClientError} = require('../lib/assert_client_error');
const {Gateway} = require('../lib/gateway');

const kPassword = 'correct horse battery staple';

describe('login with Client4', () => {
  let gateway;
  before(async () => {
    gateway = await Gateway.start();
    const created = await gateway.initAdmin({email: 'admin@parley.test', password: kPassword});
    assert.equal(created.code, 0, created.stderr);
  });
  after(() => gateway?.stop());

  test('the first admin logs in and getMe returns them', async () => {
    const client = gateway.client();
    const profile = await client.login('admin', kPassword);
    assert.equal(profile.username, 'admin');
    assert.match(profile.roles, /\bsystem_admin\b/);
    assert.equal(profile.password, undefined, 'never the password hash');
    assert.match(client.getToken(), /^[a-z0-9]{26}$/, 'Client4 took the Token header');

    const me = await client.getMe();
    assert.equal(me.id, profile.id);
    assert.equal(me.email, 'admin@parley.test');
  });

  test('login by email works too', async () => {
    const client = gateway.client();
    assert.equal((await client.login('ADMIN@parley.test', kPassword)).username, 'admin');
  });

  test('a wrong password and an unknown user get the same error', async () => {
    const expected = {status: 401, id: 'api.user.login.invalid_credentials_email_username'};
    await assertClientError(gateway.client().login('admin', 'not the password'), expected);
    await assertClientError(gateway.client().login('nobody', kPassword), expected);
  });

  test('getMe needs a session, and logout ends it', async () => {
    const expired = {status: 401, id: 'api.context.session_expired.app_error'};
    await assertClientError(gateway.client().getMe(), expired);

    const client = gateway.client();
    await client.login('admin', kPassword);
    const token = client.getToken();
    await client.logout();
    const stale = gateway.client();
    stale.setToken(token);
    await assertClientError(stale.getMe(), expired);
  });

  test('a logged-in client gets the full client config', async () => {
    const anonymous = await gateway.client().getClientConfigOld();
    const client = gateway.client();
    await client.login('admin', kPassword);
    const full = await client.getClientConfigOld();
    assert.equal(full.DiagnosticId, anonymous.DiagnosticId);
    assert.equal(full.CollapsedThreads, 'disabled');
    assert.equal(full.ExperimentalEnablePostMetadata, 'true');
    assert.equal(full.EnableUserAccessTokens, 'true');
    assert.equal(anonymous.CollapsedThreads, undefined);

    const stale = gateway.client();
    stale.setToken('x'.repeat(26));
    const config = await stale.getClientConfigOld();
    assert.equal(config.CollapsedThreads, undefined, 'an invalid token is treated as no token');
  });
});
