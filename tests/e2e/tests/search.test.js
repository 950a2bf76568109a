'use strict';
// Post search with Client4 (reference/mattermost-api.md §5.5): PostgreSQL full-text search with
// Mattermost's syntax (words, "phrases", -exclusions, prefix*, from:, in:, before:/after:/on:),
// OR searches, paging, and only ever posts from channels the caller is a member of.

const assert = require('node:assert/strict');
const {after, before, describe, test} = require('node:test');

const {assertClientError} = require('../lib/assert_client_error');
const {sql} = require('../lib/database');
const {startWorld} = require('../lib/posts');

describe('search', () => {
  let gateway;
  let world;
  const posts = {};
  before(async () => {
    ({gateway, world} = await startWorld());
    const say = async (key, user, channel, message) => {
      posts[key] = await world.client(user).createPost({channel_id: world.channels[channel],
        message});
    };
    await say('deploy', 'alice', 'town', 'The deployment of the release train is done');
    await say('rollback', 'bob', 'town', 'rollback finished, release train stopped');
    await say('guest', 'guest', 'town', 'guest notes about the deployment window');
    await say('secret', 'alice', 'secret', 'secret deployment codes for the release train');
    await say('elsewhere', 'alice', 'elsewhere', 'release notes in the other team');
    await say('guestroom', 'alice', 'guestroom', 'deployment plan for our guest');
    // Dates for before:/after:/on: — 2024-05-01 12:00 UTC and 2024-06-15 12:00 UTC.
    await sql(gateway, `UPDATE posts SET create_at = 1714564800000 WHERE id = '${posts.deploy.id}';
      UPDATE posts SET create_at = 1718452800000 WHERE id = '${posts.rollback.id}'`);
  });
  after(() => gateway?.stop());

  const search = (user, terms, extra = {}, team = world.teams.ops) =>
    world.client(user).searchPostsWithParams(team, {terms, is_or_search: false, ...extra});
  const found = (result) => new Set(result.order.map((id) =>
    Object.keys(posts).find((key) => posts[key].id === id)));

  test('words match stemmed, in the channels the caller is a member of', async () => {
    const result = await search('bob', 'deployments');
    assert.deepEqual(found(result), new Set(['deploy', 'guest']));
    assert.equal(result.posts[posts.deploy.id].message, posts.deploy.message);
    assert.deepEqual(result.matches[posts.deploy.id], ['deployments']);
    assert.equal(result.next_post_id, '');
    assert.equal(result.prev_post_id, '');
    const alice = await search('alice', 'deployment');
    assert.deepEqual(found(alice), new Set(['deploy', 'guest', 'secret', 'guestroom']));
  });

  test('guests find only what is in their channels', async () => {
    assert.deepEqual(found(await search('guest', 'deployment')),
        new Set(['deploy', 'guest', 'guestroom']));
    assert.deepEqual(found(await search('guest', 'secret codes')), new Set());
    assert.deepEqual(found(await search('carol', 'deployment')), new Set(),
        'a team member outside the channels finds nothing');
  });

  test('phrases, exclusions, prefixes and OR', async () => {
    assert.deepEqual(found(await search('alice', '"release train"')),
        new Set(['deploy', 'rollback', 'secret']));
    assert.deepEqual(found(await search('alice', '"train release"')), new Set());
    assert.deepEqual(found(await search('alice', 'release -rollback -"deployment codes"')),
        new Set(['deploy']));
    assert.deepEqual(found(await search('alice', 'roll*')), new Set(['rollback']));
    assert.deepEqual(found(await search('alice', 'rollback guest', {is_or_search: true})),
        new Set(['rollback', 'guest', 'guestroom']));
    assert.deepEqual(found(await search('alice', 'rollback guest')), new Set());
  });

  test('from:, in: and dates', async () => {
    assert.deepEqual(found(await search('alice', 'release from:bob')), new Set(['rollback']));
    assert.deepEqual(found(await search('alice', 'from:@guest')), new Set(['guest']));
    assert.deepEqual(found(await search('alice', 'deployment in:guest-room')),
        new Set(['guestroom']));
    assert.deepEqual(found(await search('alice', 'release on:2024-05-01')), new Set(['deploy']));
    assert.deepEqual(found(await search('alice', 'release before:2024-06-01')),
        new Set(['deploy']));
    assert.deepEqual(found(await search('alice', 'release after:2024-05-01 before:2024-07-01')),
        new Set(['rollback']));
    // At UTC-14 the first post (12:00 UTC on 1 May) was still on 30 April.
    assert.deepEqual(found(await search('alice', 'release on:2024-04-30',
        {time_zone_offset: -14 * 3600})), new Set(['deploy']));
  });

  test('-from: and -in: leave out authors and channels', async () => {
    assert.deepEqual(found(await search('alice', 'release -from:bob')),
        new Set(['deploy', 'secret']));
    assert.deepEqual(found(await search('alice', 'deployment -from:@alice -from:guest')),
        new Set());
    assert.deepEqual(found(await search('alice', 'deployment -in:town')),
        new Set(['secret', 'guestroom']));
    assert.deepEqual(found(await search('alice', 'deployment -in:town -channel:secret')),
        new Set(['guestroom']));
    assert.deepEqual(found(await search('alice', 'deployment in:town -from:guest')),
        new Set(['deploy']));
  });

  test('team search covers that team; /posts/search covers all', async () => {
    assert.deepEqual(found(await search('alice', 'notes')), new Set(['guest']));
    assert.deepEqual(found(await search('alice', 'notes', {}, world.teams.other)),
        new Set(['elsewhere']));
    assert.deepEqual(found(await search('alice', 'notes', {}, '')),
        new Set(['guest', 'elsewhere']));
  });

  test('paging, and hostile terms are just text', async () => {
    const first = await search('alice', 'deployment', {page: 0, per_page: 2});
    const second = await search('alice', 'deployment', {page: 1, per_page: 2});
    assert.equal(first.order.length, 2);
    assert.equal(second.order.length, 2);
    assert.equal(new Set([...first.order, ...second.order]).size, 4, 'newest first, no overlap');
    const hostile = await search('alice', `'); DROP TABLE posts; -- :* & | ! <-> "`);
    assert.deepEqual(hostile.order, []);
    assert.ok(Number(await sql(gateway, 'SELECT count(*) FROM posts').then((r) => r[0][0])) >= 6);
  });

  test('bad input gets Mattermost\'s errors', async () => {
    const invalid = {status: 400, id: 'api.context.invalid_body_param.app_error'};
    await assertClientError(search('alice', ''), invalid);
    await assertClientError(search('alice', 'x'.repeat(5000)), invalid);
    await assertClientError(search('alice', 'x', {page: -1}), invalid);
    await assertClientError(search('alice', 'x', {is_or_search: 'yes'}), invalid);
    await assertClientError(search('alice', 'x', {time_zone_offset: 'UTC'}), invalid);
    await assertClientError(search('alice', 'x', {}, 'not-a-team'),
        {status: 400, id: 'api.context.invalid_url_param.app_error'});
    await assertClientError(gateway.client().searchPosts(world.teams.ops, 'x', false),
        {status: 401, id: 'api.context.session_expired.app_error'});
  });
});
