'use strict';
// A small world of users, teams and channels for the tests that are about something else
// (posts, files, webhooks...), made through the API with the users of lib/users.js:
//
//   const world = await buildWorld(gateway, {
//     users: {alice: 'system_user', gus: 'system_guest'},     // 'admin' is the first admin
//     teams: {ops: ['admin', 'alice', 'gus']},                // the first member creates it
//     channels: {
//       town: {team: 'ops', name: 'town-square', members: ['alice', 'gus']},
//       secret: {team: 'ops', name: 'secret', type: 'P', members: ['alice']},
//       old: {team: 'ops', name: 'old-news', members: ['alice'], archived: true},
//     },
//   });
//   world.users.alice  // {id, username, roles, user, client, token} (lib/users.js)
//   world.teams.ops, world.channels.town  // ids
//   world.client('alice')  // a new Client4 with alice's session
//
// Team members join town-square and off-topic as on Mattermost (guests do not); a channel
// that does not come with its team is created by its first member (or, without members, by
// the team's creator, who then leaves it), so that `members` are exactly its members.

const {createUser, firstAdmin} = require('./users');

async function buildWorld(gateway, {users: roles = {}, teams = {}, channels = {}}) {
  const users = {admin: await firstAdmin(gateway)};
  for (const [name, role] of Object.entries(roles)) {
    users[name] = await createUser(gateway, {username: name, roles: role});
  }

  const teamIds = {};
  const teamCreators = {};
  for (const [name, [creator, ...others]] of Object.entries(teams)) {
    const owner = users[creator].client;
    const team = await owner.createTeam({name, display_name: name, type: 'O'});
    for (const member of others) await owner.addToTeam(team.id, users[member].id);
    teamIds[name] = team.id;
    teamCreators[name] = creator;
  }

  const channelIds = {};
  for (const [key, {team, name, type = 'O', members, archived = false}] of
    Object.entries(channels)) {
    const teamId = teamIds[team];
    const creator = users[members[0] ?? teamCreators[team]];
    let channel = await creator.client.getChannelByName(teamId, name).catch(() => null);
    channel ??= await creator.client.createChannel({team_id: teamId, name, display_name: name,
      type});
    const current = new Set((await creator.client.getChannelMembers(channel.id, 0, 200))
        .map((member) => member.user_id));
    for (const member of members) {
      if (!current.has(users[member].id)) {
        await creator.client.addToChannel(users[member].id, channel.id);
      }
    }
    for (const userId of current) {
      if (!members.some((member) => users[member].id === userId)) {
        await creator.client.removeFromChannel(userId, channel.id);
      }
    }
    if (archived) await users[members[0] ?? teamCreators[team]].client.deleteChannel(channel.id);
    channelIds[key] = channel.id;
  }

  const client = (name) => {
    const session = gateway.client();
    session.setToken(users[name].token);
    return session;
  };
  return {users, teams: teamIds, channels: channelIds, client};
}

module.exports = {buildWorld};
