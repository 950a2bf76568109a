'use strict';
// Incoming webhooks (reference/mattermost-api.md §5.9): hooks managed with Client4, then
// posted to as administrators' scripts do (fetch with JSON, a form payload=, multipart fields),
// each request checked to show up as the right post in the right channel, or to leave nothing
// behind when it is refused.

const assert = require('node:assert/strict');
const {execFile} = require('node:child_process');
const {after, before, describe, test} = require('node:test');
const {promisify} = require('node:util');

const {assertClientError} = require('../lib/assert_client_error');
const {scalar, sql} = require('../lib/database');
const {seedWorld} = require('../lib/files');
const {Gateway} = require('../lib/gateway');

const kBurst = 12;

describe('incoming webhooks', () => {
  let gateway;
  let ids;
  let alice;
  let bob;
  let gus;
  const postCount = () => scalar(gateway, 'SELECT count(*) FROM posts');
  // POST /hooks/{id} as curl would send it.
  const postHook = (hookId, body, contentType = 'application/json') =>
    fetch(`${gateway.url}/hooks/${hookId}`, {
      method: 'POST',
      headers: contentType ? {'Content-Type': contentType} : {},
      body,
    });
  const latestPost = async (client, channelId) => {
    const list = await client.getPosts(channelId, 0, 1);
    return list.posts[list.order[0]];
  };

  before(async () => {
    gateway = await Gateway.start({
      extra: 'webhooks:\n  enable_post_username_override: true\n' +
        '  enable_post_icon_override: true\n  requests_per_second: 0.001\n' +
        `  request_burst: ${kBurst}\n`,
    });
    // alice made the team: team admins manage incoming webhooks.
    ({ids, clients: {alice, bob, gus}} = await seedWorld(gateway));
  });
  after(() => gateway?.stop());

  test('a team admin manages hooks; others get 403 and change nothing', async () => {
    const hook = await alice.createIncomingWebhook({
      channel_id: ids.townSquare, display_name: 'CI', description: 'builds', username: 'ci-bot',
    });
    assert.match(hook.id, /^[a-z0-9]{26}$/);
    assert.equal(hook.team_id, ids.team);
    assert.equal(hook.channel_id, ids.townSquare);
    assert.equal(hook.user_id, (await alice.getMe()).id);
    assert.equal(hook.username, 'ci-bot');
    assert.equal(hook.channel_locked, false);
    assert.deepEqual(await alice.getIncomingWebhook(hook.id), hook);

    const listed = await alice.getIncomingWebhooks(ids.team, 0, 60);
    assert.deepEqual(listed.map((h) => h.id), [hook.id]);
    const counted = await alice.getIncomingWebhooks(ids.team, 0, 60, true);
    assert.equal(counted.total_count, 1);
    assert.equal(counted.incoming_webhooks[0].id, hook.id);

    const updated = await alice.updateIncomingWebhook({...hook, display_name: 'CI builds'});
    assert.equal(updated.display_name, 'CI builds');
    assert.ok(updated.update_at >= hook.update_at);

    const denied = {status: 403, id: 'api.context.permissions.app_error'};
    const hooks = () => scalar(gateway, 'SELECT count(*) FROM incoming_webhooks');
    const before = await hooks();
    await assertClientError(bob.createIncomingWebhook({channel_id: ids.townSquare}), denied);
    await assertClientError(gus.createIncomingWebhook({channel_id: ids.townSquare}), denied);
    await assertClientError(bob.getIncomingWebhook(hook.id), denied);
    await assertClientError(gus.getIncomingWebhooks(ids.team), denied);
    await assertClientError(gus.removeIncomingWebhook(hook.id), denied);
    await assertClientError(alice.createIncomingWebhook({channel_id: 'bad'}),
        {status: 400, id: 'model.incoming_hook.channel_id.app_error'});
    await assertClientError(
        alice.createIncomingWebhook({channel_id: ids.townSquare, display_name: 'x'.repeat(65)}),
        {status: 400, id: 'model.incoming_hook.display_name.app_error'});
    await assertClientError(alice.getIncomingWebhook('nosuchhookyyyyyyyyyyyyyyyy'),
        {status: 404, id: 'app.webhooks.get_incoming.app_error'});
    assert.equal(await hooks(), before);
  });

  test('a curl-style JSON post with channel, username, icon_emoji and attachments', async () => {
    const hook = await alice.createIncomingWebhook({channel_id: ids.secret, display_name: 'Ops'});
    const response = await postHook(hook.id, JSON.stringify({
      channel: 'town-square',
      username: 'deploy-bot',
      icon_emoji: ':rocket:',
      text: 'Deployed <https://example.org/r/42|release 42> to production',
      props: {card: 'Rolled out by the pipeline'},
      attachments: [{
        fallback: 'Deploy report', color: '#36a64f', title: 'Deploy report',
        fields: [{title: 'Environment', value: 'production', short: true},
          {title: 'Duration', value: '3m 12s', short: true}],
      }],
    }));
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type'), /^text\/plain/);
    assert.equal(await response.text(), 'ok');

    const post = await latestPost(alice, ids.townSquare);
    assert.equal(post.user_id, hook.user_id);
    assert.equal(post.type, 'slack_attachment');
    assert.equal(post.message, 'Deployed [release 42](https://example.org/r/42) to production');
    assert.equal(post.props.from_webhook, 'true');
    assert.equal(post.props.override_username, 'deploy-bot');
    assert.equal(post.props.override_icon_emoji, ':rocket:');
    assert.equal(post.props.webhook_display_name, 'Ops');
    assert.equal(post.props.card, 'Rolled out by the pipeline');
    assert.equal(post.props.attachments[0].color, '#36a64f');
    assert.deepEqual(post.props.attachments[0].fields.map((f) => f.value),
        ['production', '3m 12s']);
  });

  test('an administrator\'s curl command posts to the channel it names', async () => {
    const hook = await alice.createIncomingWebhook({channel_id: ids.townSquare,
      display_name: 'Nightly'});
    const payload = {
      channel: 'announcements',
      username: 'nightly-build',
      icon_emoji: ':construction_worker:',
      text: 'Nightly build #1234 failed',
      attachments: [{
        fallback: 'Build failed', color: '#d00000', title: 'Build #1234',
        fields: [{title: 'Branch', value: 'main', short: true},
          {title: 'Failed step', value: 'unit tests', short: false}],
      }],
    };
    // Literally what an administrator types (no Client4, no fetch): curl with a JSON body.
    const {stdout, stderr} = await promisify(execFile)('curl', ['-sS', '-X', 'POST',
      '-H', 'Content-Type: application/json', '-d', JSON.stringify(payload),
      '-w', '\n%{http_code}', `${gateway.url}/hooks/${hook.id}`]);
    assert.equal(stderr, '');
    assert.deepEqual(stdout.split('\n'), ['ok', '200']);

    const post = await latestPost(alice, ids.announcements);
    assert.equal(post.channel_id, ids.announcements, 'the channel override wins');
    assert.equal(post.message, 'Nightly build #1234 failed');
    assert.equal(post.type, 'slack_attachment');
    assert.equal(post.props.from_webhook, 'true');
    assert.equal(post.props.override_username, 'nightly-build');
    assert.equal(post.props.override_icon_emoji, ':construction_worker:');
    const [attachment] = post.props.attachments;
    assert.equal(attachment.color, '#d00000');
    assert.equal(attachment.title, 'Build #1234');
    assert.deepEqual(attachment.fields.map((f) => [f.title, f.value, f.short]),
        [['Branch', 'main', true], ['Failed step', 'unit tests', false]]);
    assert.notEqual((await latestPost(alice, ids.townSquare))?.message,
        'Nightly build #1234 failed', 'nothing in the hook\'s own channel');
  });

  test('form payload=, multipart fields, a DM by @username, and long text split', async () => {
    const hook = await alice.createIncomingWebhook({channel_id: ids.townSquare});
    const form = new URLSearchParams({payload: JSON.stringify({text: 'from a form',
      icon_url: 'https://ci.example.org/icon.png'})});
    const formResponse = await postHook(hook.id, form.toString(),
        'application/x-www-form-urlencoded');
    assert.equal(formResponse.status, 200);
    const formPost = await latestPost(alice, ids.townSquare);
    assert.equal(formPost.message, 'from a form');
    assert.equal(formPost.props.override_icon_url, 'https://ci.example.org/icon.png');

    const multipart = new FormData();
    multipart.append('text', 'from multipart');
    multipart.append('channel', 'announcements');
    const multipartResponse = await fetch(`${gateway.url}/hooks/${hook.id}`,
        {method: 'POST', body: multipart});
    assert.equal(multipartResponse.status, 200);
    const announced = await scalar(gateway, `SELECT message FROM posts
        WHERE channel_id = '${ids.announcements}' ORDER BY create_at DESC LIMIT 1`);
    assert.equal(announced, 'from multipart');

    const direct = await postHook(hook.id, JSON.stringify({channel: '@bob', text: 'psst'}));
    assert.equal(direct.status, 200);
    const dm = await scalar(gateway, `SELECT c.type FROM posts p JOIN channels c
        ON c.id = p.channel_id WHERE p.message = 'psst'`);
    assert.equal(dm, 'D');

    const long = `${'é'.repeat(16383)}tail`;
    const before = Number(await postCount());
    assert.equal((await postHook(hook.id, JSON.stringify({text: long}))).status, 200);
    assert.equal(Number(await postCount()), before + 2);
    const last = await latestPost(alice, ids.townSquare);
    assert.equal(last.message, 'tail');
  });

  test('refused requests: the status and id Mattermost gives, and no post', async () => {
    const hook = await alice.createIncomingWebhook({channel_id: ids.townSquare});
    const locked = await alice.createIncomingWebhook(
        {channel_id: ids.townSquare, channel_locked: true});
    const before = await postCount();
    const expect = async (response, status, id) => {
      assert.equal(response.status, status);
      assert.equal((await response.json()).id, id);
    };
    await expect(await postHook(hook.id, '{"text": "unterminated'), 400,
        'model.incoming_hook.parse_data.app_error');
    await expect(await postHook(hook.id, JSON.stringify({text: 'x', attachments: {a: 1}})), 400,
        'model.incoming_hook.parse_data.app_error');
    await expect(await postHook(hook.id, JSON.stringify({channel: 'town-square'})), 400,
        'web.incoming_webhook.text.app_error');
    await expect(await postHook(hook.id, JSON.stringify({text: 'x', type: 'system_join'})), 400,
        'api.context.invalid_param.app_error');
    await expect(await postHook(hook.id, JSON.stringify({text: 'x', channel: 'nowhere'})), 404,
        'web.incoming_webhook.channel.app_error');
    await expect(await postHook(hook.id, JSON.stringify({text: 'x', channel: '@nobody'})), 400,
        'web.incoming_webhook.user.app_error');
    await expect(await postHook('nosuchhookyyyyyyyyyyyyyyyy', JSON.stringify({text: 'x'})), 400,
        'web.incoming_webhook.invalid.app_error');
    await expect(await postHook(locked.id,
        JSON.stringify({text: 'x', channel: 'announcements'})), 403,
    'web.incoming_webhook.channel_locked.app_error');
    await expect(await postHook(locked.id, JSON.stringify({text: 'x', channel: '@bob'})), 403,
        'web.incoming_webhook.channel_locked.app_error');
    assert.equal(await postCount(), before);

    // A locked hook still posts to its own channel.
    assert.equal((await postHook(locked.id, JSON.stringify({text: 'mine'}))).status, 200);

    await alice.removeIncomingWebhook(hook.id);
    await expect(await postHook(hook.id, JSON.stringify({text: 'x'})), 400,
        'web.incoming_webhook.invalid.app_error');
  });

  test('hooks called at once beside posts made at once: each call posts once, all or none',
      async () => {
    // Webhook calls and API posts to one channel queue in its lane and are written together
    // (core/services/post_lanes): each call must still make its own posts, exactly once.
    const channel = ids.townSquare;
    const counted = async () => Number(await scalar(gateway,
        `SELECT total_msg_count FROM channels WHERE id = '${channel}'`));
    const hooks = await Promise.all([0, 1, 2].map(() =>
      alice.createIncomingWebhook({channel_id: channel})));
    const before = await counted();
    // One call's text is one rune over a post's limit: it becomes two posts.
    const long = 'y'.repeat(16_383) + 'the long tail';
    const calls = Array.from({length: 30}, (_, i) => {
      const text = i === 7 ? long : `hook at once ${i}`;
      return postHook(hooks[i % 3].id, JSON.stringify({text}))
          .then(async (response) => ({status: response.status, body: await response.text()}));
    });
    const made = Array.from({length: 10}, (_, i) => {
      const [author, client] = i % 2 ? ['gus', gus] : ['alice', alice];
      return client.createPost({channel_id: channel, message: `api at once ${i}`})
          .then((post) => ({author, post}));
    });
    const answers = await Promise.all(calls);
    const posts = await Promise.all(made);

    assert.deepEqual(answers, Array(30).fill({status: 200, body: 'ok'}));
    const me = {alice: ids.alice, gus: ids.gus};
    posts.forEach(({author, post}, i) => {
      assert.equal(post.user_id, me[author]);
      assert.equal(post.message, `api at once ${i}`);
    });
    assert.equal(await counted(), before + 29 + 2 + 10);
    const written = await sql(gateway, `SELECT message, count(*) FROM posts
        WHERE channel_id = '${channel}' AND message LIKE 'hook at once %' GROUP BY message`);
    assert.equal(written.length, 29, 'each short call\'s post');
    for (const [message, times] of written) assert.equal(times, '1', `${message} once`);
    assert.equal(await scalar(gateway, `SELECT count(*) FROM posts WHERE channel_id =
        '${channel}' AND message IN (repeat('y', 16383), 'the long tail')`), '2',
    'the long one, split');
  });

  test('each hook is rate limited on its own', async () => {
    const hook = await alice.createIncomingWebhook({channel_id: ids.townSquare});
    const statuses = [];
    for (let i = 0; i < kBurst + 2; ++i) {
      statuses.push((await postHook(hook.id, JSON.stringify({text: `n${i}`}))).status);
    }
    assert.deepEqual(statuses.slice(0, kBurst), Array(kBurst).fill(200));
    assert.deepEqual(statuses.slice(kBurst), [429, 429]);
    const other = await alice.createIncomingWebhook({channel_id: ids.townSquare});
    assert.equal((await postHook(other.id, JSON.stringify({text: 'other'}))).status, 200);
  });
});
