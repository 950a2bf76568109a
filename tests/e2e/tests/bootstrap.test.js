'use strict';
// What the official clients do before anyone logs in (reference/mattermost-api.md §6.2): ping,
// read the client config and license, and check the server version.

const assert = require('node:assert/strict');
const {after, before, describe, test} = require('node:test');

const {assertClientError} = require('../lib/assert_client_error');
const {Gateway} = require('../lib/gateway');

const kMattermostIdPattern = /^[a-z0-9]{26}$/;

describe('client bootstrap, unauthenticated', () => {
  let gateway;
  let client;
  before(async () => {
    gateway = await Gateway.start({server: 'site_url: https://chat.parley.test/'});
    client = gateway.client();
  });
  after(() => gateway?.stop());

  test('HEAD / answers 2xx, as mobile checks before anything else', async () => {
    // Mobile's first request, made by its native HTTP client rather than Client4.
    const response = await fetch(`${gateway.url}/`, {method: 'HEAD', redirect: 'manual'});
    assert.ok(response.status >= 200 && response.status < 300, `status ${response.status}`);
  });

  test('ping answers OK, with the database and file store checked on request', async () => {
    assert.equal((await client.ping()).status, 'OK');
    const status = await client.ping(true);
    assert.equal(status.status, 'OK');
    assert.equal(status.database_status, 'OK');
    assert.equal(status.filestore_status, 'OK');
  });

  test('Client4 records a server version of Mattermost 10.11.0', async () => {
    await client.ping();
    assert.match(client.getServerVersion(), /^10\.11\.0\./);
  });

  test('the limited client config is a flat map of strings a mobile app accepts', async () => {
    const config = await client.getClientConfigOld();
    for (const [key, value] of Object.entries(config)) {
      assert.equal(typeof value, 'string', `${key} is a string`);
    }
    assert.match(config.DiagnosticId, kMattermostIdPattern, 'mobile refuses an empty DiagnosticId');
    assert.equal(config.Version, '10.11.0');
    assert.equal(config.SiteURL, 'https://chat.parley.test', 'without the trailing slash');
    assert.ok(config.SiteName);
    assert.ok(config.BuildNumber);
    assert.equal(config.EnableSignInWithUsername, 'true');
    assert.equal(config.EnableSignInWithEmail, 'true');
    assert.equal(config.EnableUserCreation, 'true');
    assert.equal(config.EnableOpenServer, 'false');
    assert.equal(config.EnableGuestAccounts, 'false');
    assert.equal(config.EnableLdap, 'false');
    assert.equal(config.EnableSaml, 'false');
    assert.equal(config.EnableMultifactorAuthentication, 'false');
    assert.equal(config.PasswordMinimumLength, '8');
    assert.equal(client.getServerVersion().split('.').slice(0, 3).join('.'), config.Version);
    // Settings for logged-in users only.
    assert.equal(config.CollapsedThreads, undefined);
    assert.equal(config.ExperimentalEnablePostMetadata, undefined);
  });

  test('the client config needs format=old, as on Mattermost', async () => {
    const route = `${client.getBaseRoute()}/config/client`;
    await assertClientError(client.doFetch(route, {method: 'get'}),
        {status: 501, id: 'api.config.client.old_format.app_error'});
    await assertClientError(client.doFetch(`${route}?format=new`, {method: 'get'}),
        {status: 400, id: 'api.context.invalid_url_param.app_error'});
  });

  test('the license says unlicensed', async () => {
    const license = await client.getClientLicenseOld();
    assert.equal(license.IsLicensed, 'false');
    for (const value of Object.values(license)) assert.equal(typeof value, 'string');
    await assertClientError(
        client.doFetch(`${client.getBaseRoute()}/license/client`, {method: 'get'}),
        {status: 501, id: 'api.license.client.old_format.app_error'});
  });

  test('an unknown route gets Mattermost error JSON', async () => {
    const error = await assertClientError(
        client.doFetch(`${client.getBaseRoute()}/no/such/route`, {method: 'get'}),
        {status: 404, id: 'api.context.404.app_error'});
    assert.match(error.url, /\/api\/v4\/no\/such\/route$/);
  });
});

describe('DiagnosticId', () => {
  test('stays the same across restarts and differs between installations', async (t) => {
    const first = await Gateway.start();
    t.after(() => first.stop());
    const other = await Gateway.start();
    t.after(() => other.stop());

    const id = (await first.client().getClientConfigOld()).DiagnosticId;
    assert.match(id, kMattermostIdPattern);
    assert.equal((await first.client().getClientConfigOld()).DiagnosticId, id);
    await first.restart();
    assert.equal((await first.client().getClientConfigOld()).DiagnosticId, id,
        'the same installation after a restart');
    assert.notEqual((await other.client().getClientConfigOld()).DiagnosticId, id,
        'another database is another installation');
  });
});

describe('sign-up lock-down in the client config', () => {
  test('open sign-up is advertised until the first admin exists', async (t) => {
    const gateway = await Gateway.start({extra: 'security:\n  enable_open_server: true\n'});
    t.after(() => gateway.stop());
    const client = gateway.client();

    assert.equal((await client.getClientConfigOld()).EnableOpenServer, 'true');
    const created = await gateway.initAdmin({password: 'correct horse battery staple'});
    assert.equal(created.code, 0, created.stderr);
    const config = await client.getClientConfigOld();
    assert.equal(config.EnableOpenServer, 'false', 'init-admin locks open sign-up');
    assert.equal(config.EnableUserCreation, 'true', 'admins and invitations still create users');
  });

  test('user creation switched off is advertised', async (t) => {
    const gateway = await Gateway.start({extra: 'security:\n  enable_user_creation: false\n'});
    t.after(() => gateway.stop());
    const config = await gateway.client().getClientConfigOld();
    assert.equal(config.EnableUserCreation, 'false');
    assert.equal(config.EnableSignUpWithEmail, 'false');
  });
});
