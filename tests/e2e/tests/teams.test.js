'use strict';
// Teams with the official client (reference/mattermost-api.md §5.3): creation with the default
// channels, listing, membership, roles, and the errors Mattermost answers bad calls with
// (without any change to the database).

const assert = require('node:assert/strict');
const {execFile} = require('node:child_process');
const {after, before, describe, test} = require('node:test');
const {promisify} = require('node:util');

const {assertClientError} = require('../lib/assert_client_error');
const {Gateway} = require('../lib/gateway');
const {newId} = require('../lib/database');
const {assertUnchanged} = require('../lib/teams');
const {createUser, firstAdmin} = require('../lib/users');

const kPermissions = {status: 403, id: 'api.context.permissions.app_error'};
const kBadUrl = {status: 400, id: 'api.context.invalid_url_param.app_error'};
const kBadBody = {status: 400, id: 'api.context.invalid_body_param.app_error'};

// A raw request with a Bearer token, for bodies Client4 would never send.
async function raw(gateway, token, method, path, body) {
  const response = await fetch(`${gateway.url}/api/v4${path}`, {
    method, headers: {Authorization: `Bearer ${token}`}, body,
  });
  return {status: response.status, json: await response.json()};
}

describe('teams', () => {
  let gateway;
  let admin;
  let alice;
  let bob;
  let team;
  before(async () => {
    gateway = await Gateway.start();
    admin = await firstAdmin(gateway, {username: 'root'});
    alice = await createUser(gateway, {username: 'alice'});
    bob = await createUser(gateway, {username: 'bob'});
    team = await alice.client.createTeam({name: 'ops', display_name: 'Operations', type: 'O'});
  });
  after(() => gateway?.stop());

  test('the creator is team admin and member of town-square and off-topic', async () => {
    assert.equal(team.name, 'ops');
    assert.equal(team.display_name, 'Operations');
    assert.equal(team.type, 'O');
    assert.match(team.id, /^[a-z0-9]{26}$/);
    assert.equal(team.email, 'alice@parley.test', 'the creator manages the team: not sanitized');

    const member = await alice.client.getTeamMember(team.id, alice.id);
    assert.equal(member.roles, 'team_user team_admin');
    assert.equal(member.scheme_admin, true);

    const channels = await alice.client.getMyChannels(team.id);
    assert.deepEqual(channels.map((c) => c.name).sort(), ['off-topic', 'town-square']);
    assert.deepEqual((await alice.client.getMyTeams()).map((t) => t.id), [team.id]);
    assert.deepEqual((await alice.client.getMyTeamMembers()).map((m) => m.team_id), [team.id]);
    assert.equal((await alice.client.getTeamByName('ops')).id, team.id);
  });

  test('create: name rules, duplicates and types are refused with Mattermost ids', async () => {
    const cases = [
      [{name: 'A', display_name: 'x', type: 'O'}, 'model.team.is_valid.characters.app_error'],
      [{name: 'Upper', display_name: 'x', type: 'O'}, 'model.team.is_valid.characters.app_error'],
      [{name: '-ab', display_name: 'x', type: 'O'}, 'model.team.is_valid.characters.app_error'],
      [{name: 'a'.repeat(65), display_name: 'x', type: 'O'}, 'model.team.is_valid.url.app_error'],
      [{name: 'admins', display_name: 'x', type: 'O'}, 'model.team.is_valid.reserved.app_error'],
      [{name: 'fine', display_name: '', type: 'O'}, 'model.team.is_valid.name.app_error'],
      [{name: 'fine', display_name: 'x', type: 'Z'}, 'model.team.is_valid.type.app_error'],
      [{name: 'ops', display_name: 'x', type: 'O'}, 'app.team.save.existing.app_error'],
    ];
    for (const [input, id] of cases) {
      await assertUnchanged(gateway,
          () => assertClientError(alice.client.createTeam(input), {status: 400, id}));
    }
    await assertUnchanged(gateway, async () => {
      const token = alice.client.getToken();
      for (const body of ['{"name":', '[]', JSON.stringify({name: 12, display_name: 'x', type: 'O'}),
        JSON.stringify({name: 'typed', display_name: 'x', type: 'O', allow_open_invite: 'yes'})]) {
        const answer = await raw(gateway, token, 'POST', '/teams', body);
        assert.deepEqual([answer.status, answer.json.id], [400, kBadBody.id], body);
      }
    });
  });

  test('a guest cannot create a team', async () => {
    const guest = await createUser(gateway, {roles: 'system_guest'});
    await assertUnchanged(gateway, () => assertClientError(
        guest.client.createTeam({name: 'guests', display_name: 'Guests', type: 'O'}),
        kPermissions));
  });

  test('invalid ids are 400, unknown ids 404', async () => {
    await assertClientError(alice.client.getTeam('nope'), kBadUrl);
    await assertClientError(alice.client.getTeam(newId()),
        {status: 404, id: 'app.team.get.find.app_error'});
    await assertClientError(alice.client.getTeamByName('nothere'),
        {status: 404, id: 'app.team.get_by_name.missing.app_error'});
    await assertClientError(alice.client.getTeamMembers('bad-id'), kBadUrl);
  });

  test('joining: an invite-only team refuses self-joins, an open one accepts them', async () => {
    // Bob may see neither the team nor its members before joining.
    await assertClientError(bob.client.getTeamMembers(team.id), kPermissions);
    await assertUnchanged(gateway,
        () => assertClientError(bob.client.addToTeam(team.id, bob.id), kPermissions));

    await alice.client.patchTeam({id: team.id, allow_open_invite: true, description: 'ops team'});
    const listed = await bob.client.getTeams(0, 60, true);
    assert.deepEqual(listed.teams.map((t) => t.id), [team.id]);
    assert.equal(listed.total_count, 1);
    assert.equal(listed.teams[0].email, '', 'sanitized for non-admins');
    assert.equal(listed.teams[0].invite_id, '');

    const member = await bob.client.addToTeam(team.id, bob.id);
    assert.equal(member.roles, 'team_user');
    const channels = await bob.client.getMyChannels(team.id);
    assert.deepEqual(channels.map((c) => c.name).sort(), ['off-topic', 'town-square']);
    const members = await alice.client.getTeamMembers(team.id);
    assert.deepEqual(members.map((m) => m.user_id).sort(), [alice.id, bob.id].sort());
    assert.deepEqual(await bob.client.getTeamStats(team.id),
        {team_id: team.id, total_member_count: 2, active_member_count: 2});
  });

  test('roles: only those with manage_team_roles change them', async () => {
    await assertUnchanged(gateway, () => assertClientError(
        bob.client.updateTeamMemberSchemeRoles(team.id, bob.id, true, true), kPermissions));
    await assertUnchanged(gateway, () => assertClientError(
        alice.client.updateTeamMemberRoles(team.id, bob.id, 'team_user system_admin'), kBadBody));
    await alice.client.updateTeamMemberRoles(team.id, bob.id, 'team_user team_admin');
    assert.equal((await bob.client.getTeamMember(team.id, bob.id)).roles, 'team_user team_admin');
    await alice.client.updateTeamMemberSchemeRoles(team.id, bob.id, true, false);
    assert.equal((await bob.client.getTeamMember(team.id, bob.id)).roles, 'team_user');
  });

  test('update: the whole team, whose id must match the path', async () => {
    const current = await alice.client.getTeam(team.id);
    const updated = await alice.client.updateTeam({...current, display_name: 'Ops Center'});
    assert.equal(updated.display_name, 'Ops Center');
    assert.ok(updated.update_at > current.update_at);
    await assertUnchanged(gateway, () => assertClientError(
        alice.client.doFetch(alice.client.getTeamRoute(team.id),
            {method: 'put', body: JSON.stringify({...current, id: newId()})}), kBadBody));
    await assertUnchanged(gateway, () => assertClientError(
        bob.client.updateTeam({...current, display_name: 'Mine'}), kPermissions));
    await assertUnchanged(gateway, () => assertClientError(
        alice.client.patchTeam({id: team.id, display_name: 'x'.repeat(65)}),
        {status: 400, id: 'model.team.is_valid.name.app_error'}));
  });

  test('unreads list each team of the user', async () => {
    const unreads = await bob.client.getMyTeamUnreads();
    assert.deepEqual(unreads.map((u) => [u.team_id, u.msg_count, u.mention_count]),
        [[team.id, 0, 0]]);
  });

  test('leaving a team also leaves its channels; others need remove_user_from_team', async () => {
    const carol = await createUser(gateway, {username: 'carol'});
    await alice.client.addToTeam(team.id, carol.id);
    await assertUnchanged(gateway,
        () => assertClientError(carol.client.removeFromTeam(team.id, bob.id), kPermissions));
    await carol.client.removeFromTeam(team.id, carol.id);
    assert.deepEqual(await carol.client.getMyTeams(), []);
    await assertClientError(carol.client.getMyChannels(team.id), kPermissions);
    await assertClientError(alice.client.getTeamMember(team.id, carol.id),
        {status: 404, id: 'app.team.get_member.missing.app_error'});
    // Rejoining works: the left membership is reactivated.
    assert.equal((await carol.client.addToTeam(team.id, carol.id)).delete_at, 0);
  });

  test('batch add is all or nothing', async () => {
    const dave = await createUser(gateway);
    const other = await alice.client.createTeam({name: 'other', display_name: 'Other', type: 'I'});
    await assertUnchanged(gateway, () => assertClientError(
        alice.client.addUsersToTeam(other.id, [dave.id, newId()]),
        {status: 404, id: 'app.user.missing_account.const'}));
    const added = await alice.client.addUsersToTeam(other.id, [dave.id, bob.id]);
    assert.deepEqual(added.map((m) => m.user_id).sort(), [dave.id, bob.id].sort());
    // Invite-only teams are listed to system admins only.
    assert.ok((await admin.client.getTeams()).some((t) => t.id === other.id));
    assert.ok(!(await dave.client.getTeams()).some((t) => t.id === other.id));
    assert.equal((await dave.client.getTeam(other.id)).id, other.id, 'members see it');
    const outsider = await createUser(gateway);
    await assertClientError(outsider.client.getTeam(other.id), kPermissions);
  });

  test('archiving needs manage_team; an archived team is gone from the lists', async () => {
    const temp = await alice.client.createTeam({name: 'temp', display_name: 'Temp', type: 'O'});
    await assertUnchanged(gateway,
        () => assertClientError(bob.client.deleteTeam(temp.id), kPermissions));
    await alice.client.deleteTeam(temp.id);
    assert.ok(!(await alice.client.getMyTeams()).some((t) => t.id === temp.id));
    assert.notEqual((await alice.client.getTeam(temp.id)).delete_at, 0);
    await assertUnchanged(gateway,
        () => assertClientError(bob.client.unarchiveTeam(temp.id), kPermissions));
    assert.equal((await alice.client.unarchiveTeam(temp.id)).delete_at, 0);
    assert.ok((await alice.client.getMyTeams()).some((t) => t.id === temp.id));
    await alice.client.deleteTeam(temp.id);
    // Permanent deletion: system admins only.
    await assertClientError(alice.client.doFetch(
        `${alice.client.getTeamRoute(temp.id)}?permanent=true`, {method: 'delete'}), kPermissions);
    await admin.client.doFetch(`${admin.client.getTeamRoute(temp.id)}?permanent=true`,
        {method: 'delete'});
    await assertClientError(admin.client.getTeam(temp.id),
        {status: 404, id: 'app.team.get.find.app_error'});
  });

  test('an admin script creates a team with curl and a Bearer token', async () => {
    const {stdout} = await promisify(execFile)('curl', ['-sS', '-X', 'POST',
      '-H', `Authorization: Bearer ${admin.client.getToken()}`,
      '-H', 'Content-Type: application/json',
      '-d', JSON.stringify({name: 'scripted', display_name: 'Scripted', type: 'I'}),
      '-w', '\n%{http_code}', `${gateway.url}/api/v4/teams`]);
    const [body, status] = stdout.split('\n');
    assert.equal(status, '201');
    const created = JSON.parse(body);
    assert.equal(created.name, 'scripted');
    assert.equal((await admin.client.getTeamMember(created.id, admin.id)).scheme_admin, true);
  });
});
