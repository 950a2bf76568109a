'use strict';
// Threads with Client4 (reference/mattermost-api.md §5.5): replies attach to a root in the same
// channel, reply_count and last_reply_at follow the live replies, GET /posts/{id}/thread pages
// through a thread, channel pages bring the roots of their replies, and deleting a root takes
// its replies with it.

const assert = require('node:assert/strict');
const {after, before, describe, test} = require('node:test');

const {assertClientError} = require('../lib/assert_client_error');
const {snapshot, startWorld} = require('../lib/posts');

const pause = () => new Promise((resolve) => setTimeout(resolve, 3));

describe('threads', () => {
  let gateway;
  let world;
  before(async () => ({gateway, world} = await startWorld()));
  after(() => gateway?.stop());

  async function thread(replies) {
    const alice = world.client('alice');
    const root = await alice.createPost({channel_id: world.channels.town, message: 'root'});
    const ids = [];
    for (let i = 0; i < replies; i++) {
      await pause();
      const client = world.client(i % 2 ? 'alice' : 'bob');
      ids.push((await client.createPost({channel_id: world.channels.town,
        message: `reply ${i}`, root_id: root.id})).id);
    }
    return {root, replies: ids};
  }

  test('replies count on their root and the thread returns root and replies', async () => {
    const {root, replies} = await thread(3);
    const alice = world.client('alice');
    const fresh = await alice.getPost(root.id);
    assert.equal(fresh.reply_count, 3);
    const last = await alice.getPost(replies[2]);
    assert.equal(fresh.last_reply_at, last.create_at);
    assert.equal(last.root_id, root.id);

    const list = await alice.getPostThread(root.id);
    assert.deepEqual(new Set(list.order), new Set([root.id, ...replies]));
    assert.equal(list.order[0], replies[2], 'newest first');
    const fromReply = await world.client('bob').getPostThread(replies[1]);
    assert.deepEqual(new Set(fromReply.order), new Set(list.order), 'a reply opens its thread');
  });

  test('perPage, fromPost/fromCreateAt and direction page through a thread', async () => {
    const {root, replies} = await thread(5);
    const alice = world.client('alice');
    const first = await alice.getPaginatedPostThread(root.id, {perPage: 2});
    assert.deepEqual(new Set(first.order), new Set([root.id, replies[0], replies[1]]));
    assert.equal(first.has_next, true);
    const cursor = first.posts[replies[1]];
    const next = await alice.getPaginatedPostThread(root.id,
        {perPage: 2, fromPost: cursor.id, fromCreateAt: cursor.create_at});
    assert.deepEqual(new Set(next.order), new Set([root.id, replies[2], replies[3]]));
    const up = await alice.getPaginatedPostThread(root.id,
        {perPage: 2, direction: 'up', fromPost: replies[4],
          fromCreateAt: next.posts[replies[3]].create_at + 1_000_000});
    assert.ok(up.order.includes(replies[4]));
    const last = await alice.getPaginatedPostThread(root.id,
        {perPage: 10, fromPost: replies[3], fromCreateAt: next.posts[replies[3]].create_at});
    assert.deepEqual(new Set(last.order), new Set([root.id, replies[4]]));
    assert.equal(last.has_next, false);
    await assertClientError(alice.getPaginatedPostThread(root.id, {direction: 'sideways'}),
        {status: 400, id: 'api.context.invalid_url_param.app_error'});
  });

  test('a reply to a reply, or to a root elsewhere, is refused', async () => {
    const {root, replies} = await thread(1);
    const alice = world.client('alice');
    const state = await snapshot(gateway);
    await assertClientError(alice.createPost({channel_id: world.channels.town, message: 'x',
      root_id: replies[0]}), {status: 400, id: 'api.post.create_post.root_id.app_error'});
    await assertClientError(alice.createPost({channel_id: world.channels.secret, message: 'x',
      root_id: root.id}), {status: 400, id: 'api.post.create_post.channel_root_id.app_error'});
    await assertClientError(alice.createPost({channel_id: world.channels.town, message: 'x',
      root_id: 'bad id'}), {status: 400, id: 'model.post.is_valid.root_id.app_error'});
    assert.deepEqual(await snapshot(gateway), state);
  });

  test('channel pages include the roots of their replies unless skipFetchThreads', async () => {
    const {root, replies} = await thread(1);
    const alice = world.client('alice');
    await pause();
    await alice.createPost({channel_id: world.channels.town, message: 'newer root'});
    const page = await alice.getPosts(world.channels.town, 0, 2);
    assert.ok(page.order.includes(replies[0]));
    assert.ok(!page.order.includes(root.id));
    assert.ok(page.posts[root.id], 'the root of a reply on the page comes along');
    const skipped = await alice.getPosts(world.channels.town, 0, 2, false);
    assert.equal(skipped.posts[root.id], undefined);
  });

  test('deleting a root deletes its replies; deleting a reply lowers the count', async () => {
    const {root, replies} = await thread(2);
    const alice = world.client('alice');
    await world.client('bob').deletePost(replies[0]);
    assert.equal((await alice.getPost(root.id)).reply_count, 1);
    await alice.deletePost(root.id);
    await assertClientError(alice.getPost(replies[1]), {status: 404, id: 'app.post.get.app_error'});
    await assertClientError(alice.getPostThread(root.id),
        {status: 404, id: 'app.post.get.app_error'});
    await assertClientError(alice.createPost({channel_id: world.channels.town, message: 'late',
      root_id: root.id}), {status: 400, id: 'api.post.create_post.root_id.app_error'});
  });

  test('threads in channels the caller cannot read stay closed', async () => {
    const alice = world.client('alice');
    const root = await alice.createPost({channel_id: world.channels.secret, message: 'secret'});
    await assertClientError(world.client('bob').getPostThread(root.id),
        {status: 403, id: 'api.context.permissions.app_error'});
    await assertClientError(world.client('guest').getPostThread(root.id),
        {status: 403, id: 'api.context.permissions.app_error'});
  });
});
