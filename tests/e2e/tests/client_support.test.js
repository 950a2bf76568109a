'use strict';
// Calls the official clients make while they load, for features Parley does not have: the
// answers of a Mattermost server with those features off (gateway/api/client_support.hpp).

const assert = require('node:assert/strict');
const {after, before, describe, test} = require('node:test');

const {assertClientError} = require('../lib/assert_client_error');
const {Gateway} = require('../lib/gateway');

const kPassword = 'correct horse battery staple';

describe('client start-up calls for features that are off', () => {
  let gateway;
  let client;
  before(async () => {
    gateway = await Gateway.start();
    const created = await gateway.initAdmin({email: 'admin@parley.test', password: kPassword});
    assert.equal(created.code, 0, created.stderr);
    client = gateway.client();
    await client.login('admin', kPassword);
  });
  after(() => gateway?.stop());

  test('server limits say "no limits", so no banner and no hidden history', async () => {
    const {data: limits} = await client.getServerLimits();
    assert.equal(limits.maxUsersLimit, 0);
    assert.equal(limits.postHistoryLimit, 0);
    assert.equal(limits.lastAccessiblePostTime, 0);
  });

  test('custom emoji are disabled the way Mattermost says so', async () => {
    const disabled = {status: 501, id: 'api.emoji.disabled.app_error'};
    await assertClientError(client.getCustomEmojis(), disabled);
    await assertClientError(client.getCustomEmojiByName('parrot'), disabled);
    await assertClientError(client.searchCustomEmoji('par'), disabled);
  });

  test('no web-app plugins and no product notices', async () => {
    assert.deepEqual(await client.getWebappPlugins(), []);
    assert.deepEqual(await client.getInProductNotices('someteamidaaaaaaaaaaaaaaaa', 'web', '10.11.0'), []);
  });

  test('all of them need a session', async () => {
    const expired = {status: 401, id: 'api.context.session_expired.app_error'};
    const anonymous = gateway.client();
    await assertClientError(anonymous.getServerLimits(), expired);
    await assertClientError(anonymous.getWebappPlugins(), expired);
    await assertClientError(anonymous.getCustomEmojis(), expired);
  });
});
