'use strict';
// Reactions with Client4 (reference/mattermost-api.md §5.6): add (idempotent), list, remove,
// has_reactions and post.metadata.reactions kept right, the emoji name rules, and the refusals
// for other users, unreadable channels and guests outside their channels.

const assert = require('node:assert/strict');
const {after, before, describe, test} = require('node:test');

const {assertClientError} = require('../lib/assert_client_error');
const {assertRefused, startWorld} = require('../lib/posts');

const kForbidden = {status: 403, id: 'api.context.permissions.app_error'};

describe('reactions', () => {
  let gateway;
  let world;
  before(async () => ({gateway, world} = await startWorld()));
  after(() => gateway?.stop());

  const refused = (call, expected) => assertRefused(gateway, call, expected);

  test('add, list, metadata and remove', async () => {
    const alice = world.client('alice');
    const bob = world.client('bob');
    const post = await alice.createPost({channel_id: world.channels.town, message: 'react!'});
    const reaction = await bob.addReaction(world.users.bob.id, post.id, '+1');
    assert.equal(reaction.user_id, world.users.bob.id);
    assert.equal(reaction.post_id, post.id);
    assert.equal(reaction.emoji_name, '+1');
    assert.equal(reaction.channel_id, world.channels.town);
    assert.equal(reaction.delete_at, 0);
    const again = await bob.addReaction(world.users.bob.id, post.id, '+1');
    assert.equal(again.create_at, reaction.create_at, 'adding twice is one reaction');
    await world.client('guest').addReaction(world.users.guest.id, post.id, 'white_check_mark');

    const listed = await alice.getReactionsForPost(post.id);
    assert.deepEqual(listed.map((r) => r.emoji_name).sort(), ['+1', 'white_check_mark']);
    const withMetadata = await alice.getPost(post.id);
    assert.equal(withMetadata.has_reactions, true);
    assert.equal(withMetadata.metadata.reactions.length, 2);
    const page = await alice.getPosts(world.channels.town, 0, 10);
    assert.equal(page.posts[post.id].metadata.reactions.length, 2);
    const byIds = await alice.doFetch(`${gateway.url}/api/v4/posts/ids/reactions`,
        {method: 'post', body: JSON.stringify([post.id])});
    assert.equal(byIds[post.id].length, 2);

    assert.deepEqual(await bob.removeReaction(world.users.bob.id, post.id, '+1'), {status: 'OK'});
    await world.client('guest').removeReaction(world.users.guest.id, post.id, 'white_check_mark');
    assert.deepEqual(await alice.getReactionsForPost(post.id), []);
    const cleared = await alice.getPost(post.id);
    assert.equal(cleared.has_reactions, undefined, 'has_reactions is omitted when false');
    assert.deepEqual(cleared.metadata.reactions, []);
  });

  test('emoji names follow Mattermost\'s rule', async () => {
    const alice = world.client('alice');
    const post = await alice.createPost({channel_id: world.channels.town, message: 'names'});
    const me = world.users.alice.id;
    await refused(() => alice.addReaction(me, post.id, 'smile face'),
        {status: 400, id: 'model.reaction.is_valid.emoji_name.app_error'});
    await refused(() => alice.addReaction(me, post.id, ':smile:'),
        {status: 400, id: 'model.reaction.is_valid.emoji_name.app_error'});
    await refused(() => alice.addReaction(me, post.id, 'x'.repeat(65)),
        {status: 400, id: 'api.reaction.save_reaction.invalid.app_error'});
    await refused(() => alice.addReaction(me, post.id, ''),
        {status: 400, id: 'api.reaction.save_reaction.invalid.app_error'});
    await refused(() => alice.addReaction(me, 'not-a-post', 'smile'),
        {status: 400, id: 'api.reaction.save_reaction.invalid.app_error'});
    const ok = await alice.addReaction(me, post.id, 'x'.repeat(64));
    assert.equal(ok.emoji_name.length, 64);
  });

  test('nobody reacts for someone else or removes someone else\'s reaction', async () => {
    const alice = world.client('alice');
    const post = await alice.createPost({channel_id: world.channels.town, message: 'mine'});
    await alice.addReaction(world.users.alice.id, post.id, 'heart');
    await refused(() => world.client('bob').addReaction(world.users.alice.id, post.id, 'smile'),
        {status: 403, id: 'api.reaction.save_reaction.user_id.app_error'});
    await refused(() => world.client('bob').removeReaction(world.users.alice.id, post.id, 'heart'),
        kForbidden);
    await refused(() => world.client('guest').removeReaction(world.users.alice.id, post.id,
        'heart'), kForbidden);
  });

  test('no reactions where the caller cannot read', async () => {
    const alice = world.client('alice');
    const secret = await alice.createPost({channel_id: world.channels.secret, message: 'shh'});
    await refused(() => world.client('bob').addReaction(world.users.bob.id, secret.id, 'eyes'),
        kForbidden);
    await refused(() => world.client('guest').addReaction(world.users.guest.id, secret.id,
        'eyes'), kForbidden);
    await assertClientError(world.client('bob').getReactionsForPost(secret.id), kForbidden);
    await refused(() => world.client('bob').addReaction(world.users.bob.id,
        'nosuchpostaaaaaaaaaaaaaaaa', 'eyes'), {status: 404, id: 'app.post.get.app_error'});
    await refused(() => gateway.client().addReaction(world.users.bob.id, secret.id, 'eyes'),
        {status: 401, id: 'api.context.session_expired.app_error'});
  });
});
