'use strict';
// Guests in teams and channels (reference/mattermost-api.md §9.1): they see and join only what
// they were added to, create neither teams nor channels, and may message only people who share
// a channel with them.

const assert = require('node:assert/strict');
const {after, before, describe, test} = require('node:test');

const {assertClientError} = require('../lib/assert_client_error');
const {Gateway} = require('../lib/gateway');
const {assertUnchanged} = require('../lib/teams');
const {createUser} = require('../lib/users');

const kPermissions = {status: 403, id: 'api.context.permissions.app_error'};

describe('guests in teams and channels', () => {
  let gateway;
  let admin;  // team admin
  let member; // ordinary team member
  let guest;
  let stranger;  // in the team, shares no channel with the guest
  let team;
  let open;
  let project;
  before(async () => {
    gateway = await Gateway.start();
    admin = await createUser(gateway, {username: 'lead'});
    member = await createUser(gateway, {username: 'member'});
    stranger = await createUser(gateway, {username: 'stranger'});
    guest = await createUser(gateway, {username: 'visitor', roles: 'system_guest'});
    team = await admin.client.createTeam({name: 'coalition', display_name: 'Coalition',
      type: 'O', allow_open_invite: true});
    await admin.client.addToTeam(team.id, member.id);
    await admin.client.addToTeam(team.id, stranger.id);
    open = await admin.client.createChannel({team_id: team.id, name: 'open-talk',
      display_name: 'Open talk', type: 'O'});
    project = await admin.client.createChannel({team_id: team.id, name: 'project',
      display_name: 'Project', type: 'P'});
    await admin.client.addToChannel(member.id, project.id);
  });
  after(() => gateway?.stop());

  test('a guest cannot join a team alone, nor be added by an ordinary member', async () => {
    await assertUnchanged(gateway,
        () => assertClientError(guest.client.addToTeam(team.id, guest.id), kPermissions));
    await assertUnchanged(gateway,
        () => assertClientError(member.client.addToTeam(team.id, guest.id), kPermissions));
    assert.deepEqual(await guest.client.getTeams(), [], 'guests list no teams');

    const added = await admin.client.addToTeam(team.id, guest.id);
    assert.equal(added.roles, 'team_guest');
    assert.equal(added.scheme_guest, true);
    assert.deepEqual(await guest.client.getMyChannels(team.id), [],
        'guests do not join the default channels');
    assert.deepEqual((await guest.client.getMyTeams()).map((t) => t.id), [team.id]);
  });

  test('a guest creates neither teams nor channels', async () => {
    await assertUnchanged(gateway, () => assertClientError(
        guest.client.createTeam({name: 'mine', display_name: 'Mine', type: 'O'}), kPermissions));
    for (const type of ['O', 'P']) {
      await assertUnchanged(gateway, () => assertClientError(guest.client.createChannel(
          {team_id: team.id, name: `g-${type.toLowerCase()}`, display_name: 'G', type}),
      kPermissions));
    }
  });

  test('a guest sees only the channels they were added to', async () => {
    await assertClientError(guest.client.getChannels(team.id), kPermissions);
    await assertClientError(guest.client.getChannel(open.id), kPermissions);
    await assertClientError(guest.client.getChannel(project.id), kPermissions);
    await assertClientError(guest.client.getChannelByName(team.id, 'open-talk'),
        {status: 404, id: 'app.channel.get_by_name.missing.app_error'});
    await assertUnchanged(gateway,
        () => assertClientError(guest.client.addToChannel(guest.id, open.id), kPermissions));

    const added = await member.client.addToChannel(guest.id, project.id);
    assert.equal(added.roles, 'channel_guest');
    assert.deepEqual((await guest.client.getMyChannels(team.id)).map((c) => c.id), [project.id]);
    assert.equal((await guest.client.getChannel(project.id)).id, project.id);
    const {categories} = await guest.client.getChannelCategories(guest.id, team.id);
    assert.deepEqual(categories[1].channel_ids, [project.id]);
    // Channel guests manage no members.
    await assertUnchanged(gateway, () => assertClientError(
        guest.client.addToChannel(stranger.id, project.id), kPermissions));
  });

  test('a guest messages only people who share a channel with them', async () => {
    const dm = await guest.client.createDirectChannel([guest.id, member.id]);
    assert.equal(dm.type, 'D');
    await assertUnchanged(gateway, () => assertClientError(
        guest.client.createDirectChannel([guest.id, stranger.id]), kPermissions));
    await assertUnchanged(gateway, () => assertClientError(
        guest.client.createGroupChannel([member.id, stranger.id]), kPermissions));
    // Nor do people outside the guest's channels reach the guest (issue 3; Mattermost lets
    // anyone with view_members do it); those who share one do.
    await assertUnchanged(gateway, () => assertClientError(
        stranger.client.createDirectChannel([stranger.id, guest.id]), kPermissions));
    await assertUnchanged(gateway, () => assertClientError(
        stranger.client.createGroupChannel([member.id, guest.id]), kPermissions));
    assert.equal((await member.client.createDirectChannel([member.id, guest.id])).id, dm.id);
    const gm = await admin.client.createGroupChannel([member.id, guest.id]);
    assert.equal(gm.type, 'G');
  });

  test('a guest may leave a channel, and then sees it no more', async () => {
    await guest.client.removeFromChannel(guest.id, project.id);
    await assertClientError(guest.client.getChannel(project.id), kPermissions);
  });
});
