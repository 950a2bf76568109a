'use strict';
// Finding channels in a team as the clients' pickers do: the ~channel autocomplete, the search
// box's in: autocomplete and "Browse channels" (core/services/channel_service.hpp
// searchTeamChannels). Private channels show only to their members; guests search only
// their own channels.

const assert = require('node:assert/strict');
const {after, before, describe, test} = require('node:test');

const {assertClientError} = require('../lib/assert_client_error');
const {Gateway} = require('../lib/gateway');
const {newId} = require('../lib/database');
const {createUser, firstAdmin} = require('../lib/users');

const kPermissions = {status: 403, id: 'api.context.permissions.app_error'};
const names = (channels) => channels.map((channel) => channel.name).sort();

describe('channel search and autocomplete', () => {
  let gateway;
  let admin;
  let member;
  let bystander;
  let outsider;
  let guest;
  let team;
  before(async () => {
    gateway = await Gateway.start();
    admin = await firstAdmin(gateway);
    member = await createUser(gateway);
    bystander = await createUser(gateway);
    outsider = await createUser(gateway);
    guest = await createUser(gateway, {roles: 'system_guest'});
    team = await admin.client.createTeam({name: 'ops', display_name: 'Ops', type: 'O'});
    await admin.client.addToTeam(team.id, member.id);
    await admin.client.addToTeam(team.id, bystander.id);
    await admin.client.addToTeam(team.id, guest.id);
    const create = (name, displayName, type) => admin.client.createChannel(
        {team_id: team.id, name, display_name: displayName, type});
    await create('logistics', 'Logistics Cell', 'O');
    await create('log-review', 'Weekly Review', 'O');
    const secret = await create('logbook', 'Secret Logbook', 'P');
    const guestRoom = await create('liaison', 'Liaison Desk', 'O');
    await admin.client.addToChannel(member.id, secret.id);
    await admin.client.addToChannel(guest.id, guestRoom.id);
    await create('hundred', '100%_done', 'O');
  });
  after(() => gateway?.stop());

  test('autocomplete matches name and display-name word prefixes, with own private channels',
      async () => {
        assert.deepEqual(names(await member.client.autocompleteChannels(team.id, 'log')),
            ['log-review', 'logbook', 'logistics']);
        // "cell" starts a word of "Logistics Cell"; case does not matter.
        assert.deepEqual(names(await member.client.autocompleteChannels(team.id, 'CELL')),
            ['logistics']);
      });

  test('a private channel stays hidden from team members outside it', async () => {
    const channels = await bystander.client.autocompleteChannels(team.id, 'logb');
    assert.deepEqual(names(channels), [], 'the bystander is not in the private channel');
    assert.deepEqual(names(await member.client.autocompleteChannels(team.id, 'logb')), ['logbook']);
  });

  test('browsing finds open channels only', async () => {
    assert.deepEqual(names(await member.client.searchChannels(team.id, 'log')),
        ['log-review', 'logistics']);
  });

  test('the in: autocomplete lists only the caller\'s own channels', async () => {
    assert.deepEqual(names(await member.client.autocompleteChannelsForSearch(team.id, 'log')),
        ['logbook']);
  });

  test('search terms are literal: % and _ match themselves', async () => {
    assert.deepEqual(names(await member.client.autocompleteChannels(team.id, '100%_')),
        ['hundred']);
    assert.deepEqual(names(await member.client.autocompleteChannels(team.id, '1_0')), []);
    assert.deepEqual(names(await member.client.autocompleteChannels(team.id, '%')), []);
  });

  test('guests cannot browse or autocomplete the team, but search their own channels', async () => {
    await assertClientError(guest.client.autocompleteChannels(team.id, 'l'), kPermissions);
    await assertClientError(guest.client.searchChannels(team.id, 'l'), kPermissions);
    assert.deepEqual(names(await guest.client.autocompleteChannelsForSearch(team.id, 'l')),
        ['liaison']);
  });

  test('outside the team: 403; unknown team: 404; bad input: 400', async () => {
    await assertClientError(outsider.client.autocompleteChannels(team.id, 'log'), kPermissions);
    await assertClientError(outsider.client.searchChannels(team.id, 'log'), kPermissions);
    await assertClientError(member.client.autocompleteChannels(newId(), 'log'),
        {status: 404, id: 'app.team.get.find.app_error'});
    await assertClientError(member.client.autocompleteChannels('not-an-id', 'log'),
        {status: 400, id: 'api.context.invalid_url_param.app_error'});
    await assertClientError(member.client.autocompleteChannels(team.id, 'x'.repeat(65)),
        {status: 400, id: 'api.context.invalid_url_param.app_error'});
    await assertClientError(member.client.searchChannels(team.id, 42),
        {status: 400, id: 'api.context.invalid_body_param.app_error'});
  });
});
