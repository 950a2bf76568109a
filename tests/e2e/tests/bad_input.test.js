'use strict';
// Bodies no client would send, on every route that reads one (truncated JSON, a bare number,
// the wrong JSON type), and path ids that are not ids. Each must be a 400 with Mattermost's
// invalid_body_param / invalid_url_param id, never a crash, and leave every table as it was
// (reference/mattermost-api.md §4). Wrong field types, unknown ids and limits are checked route
// by route in the area files.

const assert = require('node:assert/strict');
const {after, before, describe, test} = require('node:test');

const {checksums} = require('../lib/database');
const {Gateway} = require('../lib/gateway');
const {buildWorld} = require('../lib/world');

// Every table a request could write, except sessions (their last activity moves on every
// request), as one checksum per table.
function everything(gateway) {
  const tables = ['users', 'bots', 'user_access_tokens', 'preferences', 'teams', 'team_members',
    'channels', 'channel_members', 'posts', 'reactions', 'file_infos', 'incoming_webhooks',
    'sidebar_categories', 'sidebar_channels'];
  return checksums(gateway, tables);
}

describe('bad input on every route', () => {
  let gateway;
  let world;
  let routes;
  before(async () => {
    gateway = await Gateway.start();
    world = await buildWorld(gateway, {
      users: {alice: 'system_user'},
      teams: {ops: ['admin', 'alice']},
      channels: {town: {team: 'ops', name: 'town-square', members: ['admin', 'alice']}},
    });
    const {users: {admin, alice}, teams: {ops: team}, channels: {town}} = world;
    const post = await admin.client.createPost({channel_id: town, message: 'to patch'});
    routes = [
      ['POST', '/users'], ['PUT', `/users/${alice.id}`], ['PUT', `/users/${alice.id}/patch`],
      ['PUT', `/users/${alice.id}/roles`], ['PUT', `/users/${alice.id}/active`],
      ['PUT', `/users/${alice.id}/password`], ['PUT', `/users/${alice.id}/preferences`],
      ['POST', '/users/ids'], ['POST', '/users/usernames'], ['POST', '/users/search'],
      ['POST', `/users/${alice.id}/tokens`], ['POST', '/users/tokens/revoke'],
      ['POST', '/bots'], ['POST', '/roles/names'],
      ['POST', '/teams'], ['PUT', `/teams/${team}/patch`], ['POST', `/teams/${team}/members`],
      ['POST', `/teams/${team}/members/batch`],
      ['POST', '/channels'], ['PUT', `/channels/${town}/patch`],
      ['POST', `/channels/${town}/members`], ['POST', '/channels/direct'],
      ['POST', '/channels/group'], ['POST', '/channels/members/me/view'],
      ['POST', '/posts'], ['PUT', `/posts/${post.id}/patch`], ['POST', '/reactions'],
      ['POST', `/teams/${team}/posts/search`], ['POST', '/hooks/incoming'],
      ['POST', `/users/${admin.id}/teams/${team}/channels/categories`],
    ];
  });
  after(() => gateway?.stop());

  // Sends each [method, path] (with `body`, if any) as the admin and checks that every answer
  // is a 400 with error `id`, that no table changed and that parleyd still serves.
  async function assertAllRefused(requests, body, id) {
    const state = await everything(gateway);
    const wrong = [];
    for (const [method, path] of requests) {
      const response = await fetch(`${gateway.url}/api/v4${path}`, {method, body,
        headers: {'Authorization': `Bearer ${world.users.admin.token}`,
          'Content-Type': 'application/json'}});
      const answer = await response.json().catch(() => ({}));
      if (response.status !== 400 || answer.id !== id) {
        wrong.push(`${method} ${path}: ${response.status} ${answer.id}`);
      }
    }
    assert.deepEqual(wrong, []);
    assert.deepEqual(await everything(gateway), state, 'nothing was written');
    assert.equal((await world.client('alice').ping()).status, 'OK', 'still serving');
  }

  for (const [label, body] of [['truncated JSON', '{"name": "x", '], ['a bare number', '42'],
    ['a string', '"text"']]) {
    test(`${label}: 400 invalid_body_param everywhere, nothing written`,
        () => assertAllRefused(routes, body, 'api.context.invalid_body_param.app_error'));
  }

  test('an id that is not one, in any path: 400 invalid_url_param, nothing written', async () => {
    const paths = ['/users/not-an-id', '/teams/x', '/channels/x', '/posts/x', '/posts/x/thread',
      '/channels/x/posts', '/channels/x/members', '/teams/x/channels', '/posts/x/reactions',
      '/files/x/info', '/hooks/incoming/x', '/users/tokens/x', '/bots/x',
      `/users/${'a'.repeat(27)}`, `/channels/${'A'.repeat(26)}x`];
    await assertAllRefused(paths.map((path) => ['GET', path]), undefined,
        'api.context.invalid_url_param.app_error');
    await assertAllRefused([['DELETE', '/posts/x'], ['DELETE', '/channels/x'],
      ['DELETE', '/teams/x'], ['DELETE', '/hooks/incoming/x'], ['POST', '/posts/x/pin'],
      ['PUT', '/channels/x/patch'], ['PUT', '/posts/x/patch']], '{}',
    'api.context.invalid_url_param.app_error');
  });
});
