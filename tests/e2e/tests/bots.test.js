'use strict';
// Bot accounts (reference/mattermost-api.md §3.4): a bot is a user with is_bot, cannot log in
// with a password, and works through personal access tokens on its user id.

const assert = require('node:assert/strict');
const {after, before, describe, test} = require('node:test');

const {assertClientError} = require('../lib/assert_client_error');
const {Gateway} = require('../lib/gateway');
const {accountsSnapshot, createUser, firstAdmin} = require('../lib/users');

describe('bots', () => {
  let gateway;
  let admin;
  let alice;
  before(async () => {
    gateway = await Gateway.start();
    admin = await firstAdmin(gateway);
    alice = await createUser(gateway, {username: 'alice'});
  });
  after(() => gateway?.stop());

  test('an admin creates a bot, gives it a token, and the bot acts with it', async () => {
    const bot = await admin.client.createBot({username: 'ci-bot', display_name: 'CI',
      description: 'posts build results'});
    assert.equal(bot.username, 'ci-bot');
    assert.equal(bot.display_name, 'CI');
    assert.equal(bot.owner_id, admin.user.id);
    assert.equal(bot.delete_at, 0);

    const asUser = await admin.client.getUser(bot.user_id);
    assert.equal(asUser.is_bot, true);
    await assertClientError(gateway.client().login('ci-bot', 'anything at all'),
        {status: 401, id: 'api.user.login.bot_login_forbidden.app_error'});

    const token = await admin.client.createUserAccessToken(bot.user_id, 'ci');
    const ci = gateway.client();
    ci.setToken(token.token);
    assert.equal((await ci.getMe()).username, 'ci-bot');

    const patched = await admin.client.patchBot(bot.user_id, {description: 'new text'});
    assert.equal(patched.description, 'new text');
    assert.equal((await admin.client.getBot(bot.user_id)).description, 'new text');
    assert.deepEqual((await admin.client.getBots()).map((b) => b.username), ['ci-bot']);

    const disabled = await admin.client.disableBot(bot.user_id);
    assert.notEqual(disabled.delete_at, 0);
    await assertClientError(ci.getMe(), {status: 401, id: 'api.context.session_expired.app_error'});
    await admin.client.enableBot(bot.user_id);
    assert.equal((await ci.getMe()).username, 'ci-bot');
  });

  test('users cannot create or see others\' bots; bad input changes nothing', async () => {
    const before = await accountsSnapshot(gateway);
    await assertClientError(alice.client.createBot({username: 'mybot'}),
        {status: 403, id: 'api.context.permissions.app_error'});
    await assertClientError(admin.client.createBot({username: '9bot'}),
        {status: 400, id: 'model.bot.is_valid.username.app_error'});
    await assertClientError(admin.client.createBot({username: 'alice'}),
        {status: 400, id: 'app.user.save.username_exists.app_error'});
    await assertClientError(admin.client.createBot({username: 'x', description: 5}),
        {status: 400, id: 'api.context.invalid_body_param.app_error'});
    assert.deepEqual(await accountsSnapshot(gateway), before);
    assert.deepEqual(await alice.client.getBots(), []);
    const [bot] = await admin.client.getBots();
    await assertClientError(alice.client.getBot(bot.user_id),
        {status: 404, id: 'store.sql_bot.get.missing.app_error'});
    await assertClientError(alice.client.getBot('bad'),
        {status: 400, id: 'api.context.invalid_url_param.app_error'});
  });
});
