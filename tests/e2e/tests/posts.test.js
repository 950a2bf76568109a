'use strict';
// Posts with Client4 (reference/mattermost-api.md §5.5): create, read, edit, delete, pin,
// channel pages with their cursors and ETag, the posts around the last unread, and every
// refusal with Mattermost's status and error id, leaving the database as it was.

const assert = require('node:assert/strict');
const {after, before, describe, test} = require('node:test');

const {assertClientError} = require('../lib/assert_client_error');
const {scalar} = require('../lib/database');
const {assertRefused, startWorld} = require('../lib/posts');

const kForbidden = {status: 403, id: 'api.context.permissions.app_error'};
const kBadBody = {status: 400, id: 'api.context.invalid_body_param.app_error'};

describe('posts', () => {
  let gateway;
  let world;
  before(async () => ({gateway, world} = await startWorld()));
  after(() => gateway?.stop());

  const refused = (call, expected) => assertRefused(gateway, call, expected);

  test('a post is created as the session user, with counters and read state updated', async () => {
    const alice = world.client('alice');
    const pending = `${world.users.alice.id}:${Date.now()}`;
    const post = await alice.createPost({channel_id: world.channels.town, message: 'hello #ops',
      user_id: world.users.bob.id, pending_post_id: pending, props: {k: 'v'}});
    assert.match(post.id, /^[a-z0-9]{26}$/);
    assert.equal(post.user_id, world.users.alice.id, 'user_id is forced to the caller');
    assert.equal(post.pending_post_id, pending);
    assert.equal(post.hashtags, '#ops');
    assert.equal(post.root_id, '');
    assert.deepEqual(post.props, {k: 'v'});
    assert.deepEqual(post.metadata, {embeds: [], emojis: [], files: [], images: {}, reactions: []});
    assert.equal(post.reply_count, 0);
    assert.equal(post.is_pinned, false);
    assert.ok(Math.abs(post.create_at - Date.now()) < 60_000);

    const counters = await scalar(gateway, `SELECT total_msg_count || '/' || last_post_at
      FROM channels WHERE id = '${world.channels.town}'`);
    assert.equal(counters, `1/${post.create_at}`);
    const readState = await scalar(gateway, `SELECT msg_count || '/' || last_viewed_at
      FROM channel_members WHERE channel_id = '${world.channels.town}'
      AND user_id = '${world.users.alice.id}'`);
    assert.equal(readState, `1/${post.create_at}`, 'the author has read their own post');

    const fetched = await world.client('bob').getPost(post.id);
    assert.equal(fetched.message, 'hello #ops');
  });

  test('mentions count for the mentioned members only', async () => {
    const mentions = (user) => scalar(gateway, `SELECT mention_count FROM channel_members
      WHERE channel_id = '${world.channels.town}' AND user_id = '${world.users[user].id}'`);
    const bobBefore = Number(await mentions('bob'));
    const guestBefore = Number(await mentions('guest'));
    await world.client('alice').createPost({channel_id: world.channels.town, message: 'hi @bob'});
    assert.equal(Number(await mentions('bob')), bobBefore + 1);
    assert.equal(Number(await mentions('guest')), guestBefore);
  });

  test('posts made at once to one channel each get their own answer, and all are counted',
      async () => {
    // Posts that queue behind their channel's transaction are written together in the next
    // one (core/services/post_lanes): each must still get its own post, or its own error.
    const counted = async () => Number(await scalar(gateway,
        `SELECT total_msg_count FROM channels WHERE id = '${world.channels.town}'`));
    const before = await counted();
    const authors = ['alice', 'bob'];
    const made = Array.from({length: 30}, (_, i) => {
      const author = authors[i % 2];
      const message = `at once ${i}`;
      // Every tenth is a reply to a post that does not exist: refused, alone.
      const draft = i % 10 === 5 ?
        {channel_id: world.channels.town, message, root_id: 'nosuchrootaaaaaaaaaaaaaaaa'} :
        {channel_id: world.channels.town, message};
      return world.client(author).createPost(draft).then(
          (post) => ({author, message, post}), (error) => ({author, message, error}));
    });
    const results = await Promise.all(made);
    const posted = results.filter((r) => r.post);
    const refusedOnes = results.filter((r) => r.error);
    assert.equal(refusedOnes.length, 3);
    for (const {error} of refusedOnes) {
      assert.equal(error.status_code, 400);
      assert.equal(error.server_error_id, 'api.post.create_post.root_id.app_error');
    }
    assert.equal(posted.length, 27);
    for (const {author, message, post} of posted) {
      assert.equal(post.user_id, world.users[author].id);
      assert.equal(post.message, message);
    }
    assert.equal(new Set(posted.map((r) => r.post.id)).size, 27, 'each post its own id');
    assert.equal(await counted(), before + 27);
    const page = await world.client('alice').getPosts(world.channels.town, 0, 60);
    const listed = new Set(Object.values(page.posts).map((post) => post.message));
    for (const {message} of posted) assert.ok(listed.has(message), `${message} is listed`);
    for (const {message} of refusedOnes) assert.ok(!listed.has(message), `${message} is not`);
  });

  test('create_at is honoured for system admins only', async () => {
    const when = 1_600_000_000_000;
    const byAlice = await world.client('alice').createPost({channel_id: world.channels.town,
      message: 'backdated?', create_at: when});
    assert.notEqual(byAlice.create_at, when);
    const byAdmin = await world.client('admin').createPost({channel_id: world.channels.town,
      message: 'imported', create_at: when});
    assert.equal(byAdmin.create_at, when);
  });

  test('the message limit is 16,383 runes, counted as characters not bytes', async () => {
    const alice = world.client('alice');
    const longest = '😀'.repeat(16_383);
    const post = await alice.createPost({channel_id: world.channels.town, message: longest});
    assert.equal([...post.message].length, 16_383);
    await refused(() => alice.createPost({channel_id: world.channels.town,
      message: 'x'.repeat(16_384)}),
    {status: 400, id: 'model.post.is_valid.message_length.app_error'});
  });

  test('bad bodies, ids and limits are refused with Mattermost\'s ids', async () => {
    const alice = world.client('alice');
    const town = world.channels.town;
    const fileIds = Array.from({length: 11}, (_, i) => `file${i}`.padEnd(26, 'a'));
    await refused(() => alice.createPost({channel_id: town, message: 'x', file_ids: fileIds}),
        {status: 400, id: 'model.post.is_valid.file_ids.app_error'});
    await refused(() => alice.createPost({channel_id: town, message: 5}), kBadBody);
    await refused(() => alice.createPost({channel_id: town, props: 'x'}), kBadBody);
    await refused(() => alice.createPost({channel_id: 'nope', message: 'x'}),
        {status: 400, id: 'model.post.is_valid.channel_id.app_error'});
    await refused(() => alice.createPost({channel_id: town, message: 'x', type: 'system_fake'}),
        {status: 400, id: 'api.context.invalid_param.app_error'});
    await refused(() => alice.createPost({channel_id: town, message: 'x',
      root_id: 'nosuchpostaaaaaaaaaaaaaaaa'}),
    {status: 400, id: 'api.post.create_post.root_id.app_error'});
    await refused(() => alice.createPost({channel_id: world.channels.archived, message: 'x'}),
        {status: 400, id: 'api.post.create_post.can_not_post_to_deleted.error'});
    await refused(() => alice.createPost({channel_id: 'nosuchchannelaaaaaaaaaaaaa', message: 'x'}),
        {status: 404, id: 'app.channel.get.existing.app_error'});
    // A body over MaximumPayloadSizeBytes (300,000) is refused before it is parsed.
    await refused(() => alice.createPost({channel_id: town, message: 'x',
      props: {blob: 'x'.repeat(400_000)}}),
    {status: 413, id: 'api.context.request_body_too_large.app_error'});
    const raw = await fetch(`${gateway.url}/api/v4/posts`, {method: 'POST',
      headers: {Authorization: `Bearer ${world.users.alice.token}`}, body: '{"channel_id":'});
    assert.equal(raw.status, 400);
    assert.equal((await raw.json()).id, kBadBody.id);
  });

  test('non-members, guests outside a channel and anonymous callers cannot post', async () => {
    await refused(() => world.client('bob').createPost({channel_id: world.channels.secret,
      message: 'let me in'}), kForbidden);
    await refused(() => world.client('guest').createPost({channel_id: world.channels.secret,
      message: 'let me in'}), kForbidden);
    await refused(() => gateway.client().createPost({channel_id: world.channels.town,
      message: 'who am I'}), {status: 401, id: 'api.context.session_expired.app_error'});
    const secretPost = await world.client('alice').createPost({channel_id: world.channels.secret,
      message: 'classified'});
    await assertClientError(world.client('bob').getPost(secretPost.id), kForbidden);
    await assertClientError(world.client('guest').getPost(secretPost.id), kForbidden);
    const visible = await world.client('bob').getPostsByIds([secretPost.id]);
    assert.deepEqual(visible, [], 'posts by ids leaves out what the caller cannot read');
  });

  test('the guest posts in the channels they were added to', async () => {
    const post = await world.client('guest').createPost({channel_id: world.channels.guestroom,
      message: 'hello from outside'});
    assert.equal(post.user_id, world.users.guest.id);
  });

  test('edits: own posts with edit_post, others\' need edit_others_posts', async () => {
    const alice = world.client('alice');
    const post = await alice.createPost({channel_id: world.channels.town, message: 'first'});
    await refused(() => world.client('bob').patchPost({id: post.id, message: 'hijacked'}),
        kForbidden);
    await refused(() => world.client('bob').updatePost({...post, message: 'hijacked'}),
        kForbidden);
    const patched = await alice.patchPost({id: post.id, message: 'second', props: {a: 1}});
    assert.equal(patched.message, 'second');
    assert.deepEqual(patched.props, {a: 1});
    assert.ok(patched.edit_at >= post.create_at && patched.edit_at > 0);
    const updated = await alice.updatePost({id: post.id, message: 'third #tag'});
    assert.equal(updated.message, 'third #tag');
    assert.equal(updated.hashtags, '#tag');
    assert.deepEqual(updated.props, {}, 'update replaces the whole editable post');
    await refused(() => alice.patchPost({id: post.id, message: 'x'.repeat(16_384)}),
        {status: 400, id: 'model.post.is_valid.message_length.app_error'});
    const adminEdit = await world.client('admin').patchPost({id: post.id, message: 'moderated'});
    assert.equal(adminEdit.message, 'moderated');
  });

  test('deletes are soft, need the right permission, and hide the post', async () => {
    const alice = world.client('alice');
    const post = await alice.createPost({channel_id: world.channels.town, message: 'to delete'});
    await refused(() => world.client('bob').deletePost(post.id), kForbidden);
    await refused(() => world.client('guest').deletePost(post.id), kForbidden);
    assert.deepEqual(await alice.deletePost(post.id), {status: 'OK'});
    await assertClientError(alice.getPost(post.id), {status: 404, id: 'app.post.get.app_error'});
    await assertClientError(alice.deletePost(post.id), {status: 404, id: 'app.post.get.app_error'});
    const row = await scalar(gateway, `SELECT (delete_at > 0) || '/' || (props->>'deleteBy')
      FROM posts WHERE id = '${post.id}'`);
    assert.equal(row, `true/${world.users.alice.id}`);
    const asAdmin = await world.client('admin').doFetch(
        `${gateway.url}/api/v4/posts/${post.id}?include_deleted=true`, {method: 'get'});
    assert.equal(asAdmin.id, post.id);
    assert.ok(asAdmin.delete_at > 0);
  });

  test('file_ids attach the author\'s uploads; metadata.files and files/info show them',
      async () => {
        const upload = async (user, name) => {
          const form = new FormData();
          form.append('channel_id', world.channels.town);
          form.append('files', new Blob([`contents of ${name}`], {type: 'text/plain'}), name);
          return (await world.client(user).uploadFile(form)).file_infos[0];
        };
        const mine = await upload('alice', 'notes.txt');
        const bobs = await upload('bob', 'bob.txt');
        const alice = world.client('alice');
        const post = await alice.createPost({channel_id: world.channels.town, message: 'files',
          file_ids: [mine.id, bobs.id, mine.id]});
        assert.deepEqual(post.file_ids, [mine.id], 'someone else\'s upload is dropped');
        assert.equal(post.metadata.files.length, 1);
        assert.equal(post.metadata.files[0].id, mine.id);
        assert.equal(post.metadata.files[0].post_id, post.id);
        const infos = await world.client('bob').getFileInfosForPost(post.id);
        assert.deepEqual(infos.map((f) => f.name), ['notes.txt']);
        assert.equal((await alice.getPosts(world.channels.town, 0, 5)).posts[post.id]
            .metadata.files[0].name, 'notes.txt');
        const again = await alice.createPost({channel_id: world.channels.town, message: 'reuse',
          file_ids: [mine.id]});
        assert.deepEqual(again.file_ids, [], 'a file belongs to one post');
        const secret = await alice.createPost({channel_id: world.channels.secret, message: 's'});
        await assertClientError(world.client('bob').getFileInfosForPost(secret.id), kForbidden);
        await alice.deletePost(post.id);
        assert.equal(await scalar(gateway, `SELECT delete_at > 0 FROM file_infos
          WHERE id = '${mine.id}'`), 't', 'deleting a post deletes its files');
      });

  test('pin and unpin, and the pinned list', async () => {
    const alice = world.client('alice');
    const post = await alice.createPost({channel_id: world.channels.town, message: 'pin me'});
    assert.deepEqual(await world.client('bob').pinPost(post.id), {status: 'OK'});
    assert.equal((await alice.getPost(post.id)).is_pinned, true);
    const pinned = await alice.getPinnedPosts(world.channels.town);
    assert.ok(pinned.order.includes(post.id));
    await assertClientError(world.client('carol').getPinnedPosts(world.channels.secret), kForbidden);
    await world.client('bob').unpinPost(post.id);
    assert.equal((await alice.getPost(post.id)).is_pinned, false);
    assert.ok(!(await alice.getPinnedPosts(world.channels.town)).order.includes(post.id));
  });

  describe('channel pages', () => {
    const ids = [];
    let channel;
    before(async () => {
      channel = world.channels.elsewhere;
      const alice = world.client('alice');
      for (let i = 0; i < 7; i++) {
        ids.push((await alice.createPost({channel_id: channel, message: `page post ${i}`})).id);
        await new Promise((resolve) => setTimeout(resolve, 3));
      }
    });

    test('the newest page, then before and after cursors', async () => {
      const alice = world.client('alice');
      const newest = await alice.getPosts(channel, 0, 3);
      assert.deepEqual(newest.order, [ids[6], ids[5], ids[4]]);
      assert.equal(newest.next_post_id, '');
      assert.equal(newest.prev_post_id, ids[3]);
      const second = await alice.getPosts(channel, 1, 3);
      assert.deepEqual(second.order, [ids[3], ids[2], ids[1]]);

      const older = await alice.getPostsBefore(channel, ids[4], 0, 2);
      assert.deepEqual(older.order, [ids[3], ids[2]]);
      assert.equal(older.next_post_id, ids[4]);
      assert.equal(older.prev_post_id, ids[1]);

      const newer = await alice.getPostsAfter(channel, ids[1], 0, 2);
      assert.deepEqual(newer.order, [ids[3], ids[2]]);
      assert.equal(newer.prev_post_id, ids[1]);
      assert.equal(newer.next_post_id, ids[4]);

      const since = await alice.getPostsSince(channel, 0);
      assert.equal(since.order.length, 7);
      assert.equal(since.next_post_id, '');
      assert.equal(since.prev_post_id, '');
    });

    test('since returns edits and deletions after the given time', async () => {
      const alice = world.client('alice');
      const mark = Date.now();
      await new Promise((resolve) => setTimeout(resolve, 5));
      await alice.patchPost({id: ids[0], message: 'edited page post'});
      await alice.deletePost(ids[1]);
      const since = await alice.getPostsSince(channel, mark);
      assert.deepEqual(new Set(since.order), new Set([ids[0], ids[1]]));
      assert.ok(since.posts[ids[1]].delete_at > 0, 'deleted posts are included');
      const page = await alice.getPosts(channel, 0, 200);
      assert.ok(!page.order.includes(ids[1]), 'pages leave deleted posts out');
    });

    test('per_page is clamped to 200 and bad paging values fall back', async () => {
      const alice = world.client('alice');
      const response = await fetch(`${gateway.url}/api/v4/channels/${channel}/posts?page=x&per_page=5000`,
          {headers: {Authorization: `Bearer ${world.users.alice.token}`}});
      assert.equal(response.status, 200);
      assert.ok((await response.json()).order.length <= 200);
      await assertClientError(alice.getPostsSince(channel, 'yesterday'),
          {status: 400, id: 'api.context.invalid_url_param.app_error'});
      await assertClientError(alice.getPostsBefore(channel, 'not-an-id'),
          {status: 400, id: 'api.context.invalid_url_param.app_error'});
      await assertClientError(world.client('bob').getPosts(world.channels.secret), kForbidden);
      await assertClientError(world.client('guest').getPosts(channel), kForbidden);
    });

    test('the newest page carries an ETag that a write invalidates', async () => {
      const url = `${gateway.url}/api/v4/channels/${channel}/posts?page=0&per_page=60`;
      const headers = {Authorization: `Bearer ${world.users.alice.token}`};
      const first = await fetch(url, {headers});
      const etag = first.headers.get('etag');
      assert.ok(etag);
      const again = await fetch(url, {headers: {...headers, 'If-None-Match': etag}});
      assert.equal(again.status, 304);
      await world.client('alice').createPost({channel_id: channel, message: 'news'});
      const changed = await fetch(url, {headers: {...headers, 'If-None-Match': etag}});
      assert.equal(changed.status, 200);
      assert.notEqual(changed.headers.get('etag'), etag);
    });
  });

  test('posts around the last unread', async () => {
    const channel = world.channels.guestroom;
    const guest = world.client('guest');
    const read = await guest.createPost({channel_id: channel, message: 'guest read this'});
    const alice = world.client('alice');
    const unread1 = await alice.createPost({channel_id: channel, message: 'unread one'});
    const unread2 = await alice.createPost({channel_id: channel, message: 'unread two'});
    const list = await guest.getPostsUnread(channel, world.users.guest.id, 1, 1);
    assert.deepEqual(list.order, [unread1.id, read.id]);
    assert.equal(list.next_post_id, unread2.id);
    assert.equal(list.has_next, true);
    await assertClientError(alice.getPostsUnread(channel, world.users.guest.id), kForbidden);
    await assertClientError(world.client('bob').getPostsUnread(channel, world.users.bob.id),
        kForbidden);
  });
});
