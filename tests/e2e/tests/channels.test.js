'use strict';
// Channels with the official client (reference/mattermost-api.md §5.4): public and private
// channels, direct and group messages, members and roles, read state, sidebar categories, and
// the errors Mattermost answers bad calls with (without any change to the database).

const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const {after, before, describe, test} = require('node:test');

const {assertClientError} = require('../lib/assert_client_error');
const {Gateway} = require('../lib/gateway');
const {newId} = require('../lib/database');
const {assertUnchanged} = require('../lib/teams');
const {createUser} = require('../lib/users');

const kPermissions = {status: 403, id: 'api.context.permissions.app_error'};
const kBadUrl = {status: 400, id: 'api.context.invalid_url_param.app_error'};
const kBadBody = {status: 400, id: 'api.context.invalid_body_param.app_error'};
const kNoChannel = {status: 404, id: 'app.channel.get.existing.app_error'};

describe('channels', () => {
  let gateway;
  let alice;  // team admin
  let bob;    // team member
  let carol;  // not in the team
  let team;
  let townSquare;
  before(async () => {
    gateway = await Gateway.start();
    alice = await createUser(gateway, {username: 'alice'});
    bob = await createUser(gateway, {username: 'bob'});
    carol = await createUser(gateway, {username: 'carol'});
    team = await alice.client.createTeam({name: 'ops', display_name: 'Operations', type: 'I'});
    await alice.client.addToTeam(team.id, bob.id);
    townSquare = await alice.client.getChannelByName(team.id, 'town-square');
  });
  after(() => gateway?.stop());

  test('create a public channel: 201, the creator is channel admin', async () => {
    const channel = await bob.client.createChannel({team_id: team.id, name: 'general-talk',
      display_name: 'General talk', type: 'O', purpose: 'talk'});
    assert.match(channel.id, /^[a-z0-9]{26}$/);
    assert.equal(channel.team_id, team.id);
    assert.equal(channel.creator_id, bob.id);
    assert.equal(channel.purpose, 'talk');
    const member = await bob.client.getMyChannelMember(channel.id);
    assert.equal(member.roles, 'channel_user channel_admin');
    assert.deepEqual(member.notify_props.mark_unread, 'all');

    // Anyone in the team sees it in the public list, reads it, and may join it.
    const listed = await alice.client.getChannels(team.id);
    assert.ok(listed.some((c) => c.id === channel.id));
    assert.equal((await alice.client.getChannel(channel.id)).name, 'general-talk');
    assert.equal((await alice.client.addToChannel(alice.id, channel.id)).user_id, alice.id);
    assert.equal((await alice.client.getChannelStats(channel.id)).member_count, 2);
  });

  test('create: bad names, types and bodies are 400 and change nothing', async () => {
    const base = {team_id: team.id, display_name: 'X', type: 'O'};
    const cases = [
      [{...base, name: 'Upper'}, 'model.channel.is_valid.1_or_more.app_error'],
      [{...base, name: ''}, 'model.channel.is_valid.1_or_more.app_error'],
      [{...base, name: 'x'.repeat(65)}, 'model.channel.is_valid.1_or_more.app_error'],
      [{...base, name: `${newId()}__${newId()}`}, 'model.channel.is_valid.name.app_error'],
      [{...base, name: 'ok', display_name: 'd'.repeat(65)},
        'model.channel.is_valid.display_name.app_error'],
      [{...base, name: 'ok', purpose: 'p'.repeat(251)}, 'model.channel.is_valid.purpose.app_error'],
      [{...base, name: 'ok', type: 'D'}, 'api.channel.create_channel.direct_channel.app_error'],
      [{...base, name: 'town-square'}, 'store.sql_channel.save_channel.exists.app_error'],
      [{...base, name: 'ok', team_id: 'nope'}, kBadBody.id],
    ];
    for (const [input, id] of cases) {
      await assertUnchanged(gateway,
          () => assertClientError(bob.client.createChannel(input), {status: 400, id}));
    }
    for (const body of ['{"name":', '"text"', JSON.stringify({...base, name: 7})]) {
      await assertUnchanged(gateway, () => assertClientError(
          bob.client.doFetch(bob.client.getChannelsRoute(), {method: 'post', body}), kBadBody));
    }
    // Not a member of the team: no create_public_channel there.
    await assertUnchanged(gateway, () => assertClientError(
        carol.client.createChannel({...base, name: 'intruder'}), kPermissions));
  });

  test('private channels are invisible to non-members (403), found by name as 404', async () => {
    const secret = await alice.client.createChannel({team_id: team.id, name: 'secret',
      display_name: 'Secret', type: 'P'});
    await assertClientError(bob.client.getChannel(secret.id), kPermissions);
    await assertClientError(bob.client.getChannelByName(team.id, 'secret'),
        {status: 404, id: 'app.channel.get_by_name.missing.app_error'});
    await assertClientError(bob.client.getChannelMembers(secret.id), kPermissions);
    await assertUnchanged(gateway,
        () => assertClientError(bob.client.addToChannel(bob.id, secret.id), kPermissions));
    await assertUnchanged(gateway,
        () => assertClientError(bob.client.removeFromChannel(alice.id, secret.id), kPermissions));
    assert.ok(!(await bob.client.getChannels(team.id)).some((c) => c.id === secret.id));
    // The private list is for system admins only.
    await assertClientError(alice.client.doFetch(
        `${alice.client.getTeamRoute(team.id)}/channels/private`, {method: 'get'}), kPermissions);

    // A member with manage_private_channel_members adds Bob; then he sees it.
    const added = await alice.client.addToChannel(bob.id, secret.id);
    assert.equal(added.roles, 'channel_user');
    assert.equal((await bob.client.getChannel(secret.id)).type, 'P');
    assert.equal((await bob.client.getChannelByNameAndTeamName('ops', 'secret')).id, secret.id);
    // A team admin manages the members of a private channel without being in it.
    const lead = await createUser(gateway, {username: 'lead'});
    await alice.client.addToTeam(team.id, lead.id);
    await alice.client.updateTeamMemberSchemeRoles(team.id, lead.id, true, true);
    await assertClientError(lead.client.getChannel(secret.id), kPermissions);
    assert.equal((await lead.client.addToChannel(carol.id, secret.id).catch((e) => e)).status_code,
        403, 'Carol is not in the team');
    await lead.client.removeFromChannel(bob.id, secret.id);
    await lead.client.addToChannel(bob.id, secret.id);
    // Members of a private channel manage its members (Mattermost's channel_user grants
    // manage_private_channel_members); Bob leaves again.
    await bob.client.removeFromChannel(bob.id, secret.id);
    await assertClientError(bob.client.getChannel(secret.id), kPermissions);
  });

  test('invalid ids are 400, unknown ids 404', async () => {
    await assertClientError(bob.client.getChannel('x'), kBadUrl);
    await assertClientError(bob.client.getChannel(newId()), kNoChannel);
    await assertClientError(bob.client.getChannelMember(townSquare.id, 'bad'), kBadUrl);
    await assertClientError(bob.client.getChannelMember(townSquare.id, newId()),
        {status: 404, id: 'app.channel.get_member.missing.app_error'});
    await assertUnchanged(gateway,
        () => assertClientError(bob.client.addToChannel('nope', townSquare.id), kBadBody));
    await assertUnchanged(gateway,
        () => assertClientError(alice.client.addToChannel(newId(), townSquare.id),
            {status: 404, id: 'app.user.missing_account.const'}));
  });

  test('town-square cannot be left or archived; others outside the team cannot join', async () => {
    await assertUnchanged(gateway, () => assertClientError(
        bob.client.removeFromChannel(bob.id, townSquare.id),
        {status: 400, id: 'api.channel.remove.default.app_error'}));
    await assertUnchanged(gateway, () => assertClientError(alice.client.deleteChannel(townSquare.id),
        {status: 400, id: 'api.channel.delete_channel.cannot.app_error'}));
    await assertUnchanged(gateway, () => assertClientError(
        alice.client.addToChannel(carol.id, townSquare.id),
        {status: 403, id: 'api.channel.add_user.to.channel.failed.app_error'}));
  });

  test('direct channel: sorted ids joined by "__", idempotent', async () => {
    const dm = await bob.client.createDirectChannel([bob.id, alice.id]);
    assert.equal(dm.type, 'D');
    assert.equal(dm.team_id, '');
    assert.equal(dm.name, [alice.id, bob.id].sort().join('__'));
    const again = await alice.client.createDirectChannel([alice.id, bob.id]);
    assert.equal(again.id, dm.id);
    assert.ok((await alice.client.getMyChannels(team.id)).some((c) => c.id === dm.id),
        'DMs are listed with the team channels');
    await assertUnchanged(gateway, () => assertClientError(
        bob.client.removeFromChannel(bob.id, dm.id),
        {status: 400, id: 'api.channel.leave.direct.app_error'}));
    await assertUnchanged(gateway, () => assertClientError(
        carol.client.createDirectChannel([alice.id, bob.id]), kPermissions));
    await assertClientError(carol.client.getChannel(dm.id), kPermissions);
    await assertUnchanged(gateway, () => assertClientError(
        bob.client.createDirectChannel([bob.id]), kBadBody));
    await assertUnchanged(gateway, () => assertClientError(
        bob.client.createDirectChannel([bob.id, newId()]),
        {status: 404, id: 'app.user.missing_account.const'}));
  });

  test('group channel: sha1 of the sorted ids, display name from usernames', async () => {
    const gm = await carol.client.createGroupChannel([alice.id, bob.id]);
    const ids = [alice.id, bob.id, carol.id].sort();
    assert.equal(gm.type, 'G');
    assert.equal(gm.name, crypto.createHash('sha1').update(ids.join('')).digest('hex'));
    assert.equal(gm.display_name, 'alice, bob, carol');
    assert.equal((await alice.client.createGroupChannel([bob.id, carol.id])).id, gm.id);
    assert.deepEqual((await bob.client.getChannelMembers(gm.id)).map((m) => m.user_id).sort(),
        ids);
    await assertUnchanged(gateway, () => assertClientError(
        alice.client.createGroupChannel([bob.id]),
        {status: 400, id: 'api.channel.create_group.bad_size.app_error'}));
  });

  test('patch, update, archive and restore follow the channel permissions', async () => {
    const channel = await bob.client.createChannel({team_id: team.id, name: 'plans',
      display_name: 'Plans', type: 'O'});
    const patched = await bob.client.patchChannel(channel.id, {header: 'new header'});
    assert.equal(patched.header, 'new header');
    assert.ok(patched.update_at >= channel.update_at);
    const updated = await bob.client.updateChannel({...patched, display_name: 'Plans 2'});
    assert.equal(updated.display_name, 'Plans 2');
    await assertUnchanged(gateway, () => assertClientError(
        bob.client.patchChannel(channel.id, {name: 'Bad Name'}),
        {status: 400, id: 'model.channel.is_valid.1_or_more.app_error'}));
    await assertUnchanged(gateway, () => assertClientError(
        carol.client.patchChannel(channel.id, {header: 'x'}), kPermissions));

    await bob.client.deleteChannel(channel.id);
    const archived = await bob.client.getChannel(channel.id);
    assert.notEqual(archived.delete_at, 0);
    assert.ok(!(await bob.client.getMyChannels(team.id)).some((c) => c.id === channel.id));
    assert.ok((await bob.client.getMyChannels(team.id, true)).some((c) => c.id === channel.id));
    assert.deepEqual((await alice.client.getArchivedChannels(team.id)).map((c) => c.id),
        [channel.id]);
    await assertClientError(bob.client.getChannelByName(team.id, 'plans'),
        {status: 404, id: 'app.channel.get_by_name.missing.app_error'});
    assert.equal((await bob.client.getChannelByName(team.id, 'plans', true)).id, channel.id);
    // Restoring needs manage_team: the team admin, not Bob.
    await assertUnchanged(gateway,
        () => assertClientError(bob.client.unarchiveChannel(channel.id), kPermissions));
    assert.equal((await alice.client.unarchiveChannel(channel.id)).delete_at, 0);
  });

  test('viewing a channel resets the unread and mention counts', async () => {
    for (const message of ['one', 'two @bob', 'three', 'four @bob', 'five']) {
      await alice.client.createPost({channel_id: townSquare.id, message});
    }
    const before = await bob.client.getMyChannelMember(townSquare.id);
    assert.deepEqual([before.msg_count, before.mention_count], [0, 2]);
    const unread = await bob.client.getMyTeamUnreads();
    assert.deepEqual(unread.map((u) => [u.msg_count, u.mention_count]), [[5, 2]]);

    const viewed = await bob.client.viewMyChannel(townSquare.id);
    assert.equal(viewed.status, 'OK');
    const at = viewed.last_viewed_at_times[townSquare.id];
    assert.ok(at > 0);
    const after = await bob.client.getMyChannelMember(townSquare.id);
    assert.deepEqual([after.msg_count, after.mention_count, after.last_viewed_at], [5, 0, at]);
    const read = await alice.client.readMultipleChannels([townSquare.id]);
    assert.deepEqual(Object.keys(read.last_viewed_at_times), [townSquare.id]);
    await assertClientError(bob.client.doFetch(`${bob.client.getChannelsRoute()}/members/me/view`,
        {method: 'post', body: JSON.stringify({channel_id: 'bad'})}), kBadBody);
  });

  test('member lists, roles and notify props', async () => {
    const members = (await alice.client.getChannelMembers(townSquare.id)).map((m) => m.user_id);
    assert.ok(members.includes(alice.id) && members.includes(bob.id));
    assert.ok(!members.includes(carol.id), 'Carol is not in the team');
    assert.deepEqual(await alice.client.getChannelMembers(townSquare.id, 1, 1),
        [(await alice.client.getChannelMembers(townSquare.id, 0, 2))[1]], 'paging');
    const byIds = await alice.client.getChannelMembersByIds(townSquare.id, [bob.id, carol.id]);
    assert.deepEqual(byIds.map((m) => m.user_id), [bob.id]);
    const all = await bob.client.getAllChannelsMembers('me', -1);
    assert.ok(all.some((m) => m.channel_id === townSquare.id));
    const inTeam = await bob.client.getMyChannelMembers(team.id);
    assert.ok(inTeam.every((m) => m.user_id === bob.id));

    await assertUnchanged(gateway, () => assertClientError(
        bob.client.updateChannelMemberRoles(townSquare.id, bob.id, 'channel_user channel_admin'),
        kPermissions));
    await alice.client.updateChannelMemberSchemeRoles(townSquare.id, bob.id, true, true);
    assert.equal((await bob.client.getMyChannelMember(townSquare.id)).roles,
        'channel_user channel_admin');
    await assertUnchanged(gateway, () => assertClientError(
        alice.client.updateChannelMemberRoles(townSquare.id, bob.id, 'team_admin'), kBadBody));

    await bob.client.updateChannelNotifyProps({channel_id: townSquare.id, user_id: bob.id,
      desktop: 'mention'});
    const member = await bob.client.getMyChannelMember(townSquare.id);
    assert.equal(member.notify_props.desktop, 'mention');
    assert.equal(member.notify_props.channel_id, undefined);
    await assertUnchanged(gateway, () => assertClientError(alice.client.updateChannelNotifyProps(
        {channel_id: townSquare.id, user_id: bob.id, desktop: 'all'}), kPermissions));
  });

  test('sidebar categories: favorites, channels and direct messages', async () => {
    const dm = await bob.client.createDirectChannel([bob.id, alice.id]);
    await bob.client.savePreferences(bob.id, [{user_id: bob.id, category: 'favorite_channel',
      name: townSquare.id, value: 'true'}]);
    const {categories, order} = await bob.client.getChannelCategories(bob.id, team.id);
    assert.deepEqual(categories.map((c) => c.type), ['favorites', 'channels', 'direct_messages']);
    assert.deepEqual(order, categories.map((c) => c.id));
    assert.deepEqual(categories[0].channel_ids, [townSquare.id]);
    assert.ok(categories[1].channel_ids.length > 0);
    assert.ok(!categories[1].channel_ids.includes(townSquare.id));
    assert.ok(categories[2].channel_ids.includes(dm.id));
    assert.equal(categories[0].id, `favorites_${bob.id}_${team.id}`);
    for (const category of categories) {
      assert.equal(category.user_id, bob.id);
      assert.equal(category.team_id, team.id);
    }
    const one = await bob.client.doFetch(
        `${bob.client.getChannelCategoriesRoute(bob.id, team.id)}/${categories[2].id}`,
        {method: 'get'});
    assert.deepEqual(one, categories[2]);
    await assertClientError(carol.client.getChannelCategories(carol.id, team.id), kPermissions);
    await assertClientError(carol.client.getChannelCategories(bob.id, team.id), kPermissions);
  });

  test('custom categories, changes and order persist', async () => {
    const offTopic = await bob.client.getChannelByName(team.id, 'off-topic');
    const created = await bob.client.createChannelCategory(bob.id, team.id,
        {display_name: 'Work', channel_ids: [offTopic.id]});
    assert.equal(created.type, 'custom');
    assert.equal(created.display_name, 'Work');
    assert.deepEqual(created.channel_ids, [offTopic.id]);

    let {categories, order} = await bob.client.getChannelCategories(bob.id, team.id);
    assert.deepEqual(categories.map((c) => c.type),
        ['custom', 'favorites', 'channels', 'direct_messages'], 'a new category comes first');
    assert.ok(!categories[2].channel_ids.includes(offTopic.id), 'moved out of channels');

    const channelsCategory = {...categories[2], collapsed: true, sorting: 'manual'};
    const updated = await bob.client.updateChannelCategory(bob.id, team.id, channelsCategory);
    assert.equal(updated.collapsed, true);
    const reversed = [...order].reverse();
    assert.deepEqual(await bob.client.updateChannelCategoryOrder(bob.id, team.id, reversed),
        reversed);
    assert.deepEqual(await bob.client.getChannelCategoryOrder(bob.id, team.id), reversed);
    ({categories} = await bob.client.getChannelCategories(bob.id, team.id));
    assert.equal(categories.find((c) => c.type === 'channels').collapsed, true);
    assert.equal(categories.find((c) => c.type === 'channels').sorting, 'manual');

    // A channel Bob is not in, an incomplete order, unknown ids and default categories.
    const secret = await alice.client.createChannel({team_id: team.id, name: 'secret-2',
      display_name: 'Secret 2', type: 'P'});
    await assertUnchanged(gateway, () => assertClientError(bob.client.updateChannelCategories(
        bob.id, team.id, [{...created, channel_ids: [secret.id]}]), kBadBody));
    await assertUnchanged(gateway, () => assertClientError(
        bob.client.updateChannelCategoryOrder(bob.id, team.id, reversed.slice(1)), kBadBody));
    await assertUnchanged(gateway, () => assertClientError(bob.client.updateChannelCategories(
        bob.id, team.id, [{...created, id: 'nope'}]),
    {status: 404, id: 'app.channel.sidebar_categories.app_error'}));
    await assertUnchanged(gateway, () => assertClientError(
        bob.client.deleteChannelCategory(bob.id, team.id, categories[0].id),
        {status: 400, id: 'api.channel.delete_category.not_custom.app_error'}));
    await assertUnchanged(gateway, () => assertClientError(
        alice.client.createChannelCategory(bob.id, team.id, {display_name: 'Hers'}),
        kPermissions));

    await bob.client.deleteChannelCategory(bob.id, team.id, created.id);
    ({categories} = await bob.client.getChannelCategories(bob.id, team.id));
    assert.ok(!categories.some((c) => c.id === created.id));
    assert.ok(categories.find((c) => c.type === 'channels').channel_ids.includes(offTopic.id),
        'its channels return to their default category');
  });

  test('Favorites and the favorite_channel preferences stay in step, both ways', async () => {
    const offTopic = await bob.client.getChannelByName(team.id, 'off-topic');
    const favorite = {user_id: bob.id, category: 'favorite_channel', name: offTopic.id,
      value: 'true'};
    const sidebar = async () => {
      const {categories} = await bob.client.getChannelCategories(bob.id, team.id);
      const of = (type) => categories.find((c) => c.type === type);
      return {favorites: of('favorites'), channels: of('channels')};
    };
    const isFavorite = async () => (await bob.client.getMyPreferences()).some((p) =>
      p.category === 'favorite_channel' && p.name === offTopic.id && p.value === 'true');

    // Moving the channel into Favorites sets the preference...
    let {favorites, channels} = await sidebar();
    assert.ok(channels.channel_ids.includes(offTopic.id));
    await bob.client.updateChannelCategory(bob.id, team.id,
        {...favorites, channel_ids: [...favorites.channel_ids, offTopic.id]});
    assert.equal(await isFavorite(), true);
    ({favorites, channels} = await sidebar());
    assert.ok(favorites.channel_ids.includes(offTopic.id));
    assert.ok(!channels.channel_ids.includes(offTopic.id));

    // ...removing the preference moves it back to Channels...
    await bob.client.deletePreferences(bob.id, [favorite]);
    ({favorites, channels} = await sidebar());
    assert.ok(!favorites.channel_ids.includes(offTopic.id));
    assert.ok(channels.channel_ids.includes(offTopic.id));

    // ...setting it moves it into Favorites, and moving it out removes it.
    await bob.client.savePreferences(bob.id, [favorite]);
    ({favorites, channels} = await sidebar());
    assert.ok(favorites.channel_ids.includes(offTopic.id));
    assert.ok(!channels.channel_ids.includes(offTopic.id));
    await bob.client.updateChannelCategory(bob.id, team.id,
        {...channels, channel_ids: [...channels.channel_ids, offTopic.id]});
    assert.equal(await isFavorite(), false);
    assert.ok(!(await sidebar()).favorites.channel_ids.includes(offTopic.id));
  });
});
