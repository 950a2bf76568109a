'use strict';
// Channel links (issue 6): the admin API under /api/v4/parley/links through the official
// Client4 (its doFetch): system admins list, create and delete links; everyone else gets 403;
// bad input is Mattermost's 400; a link the policy does not permit (channel.link) is 403 and
// audited; nothing changes on any error.

const assert = require('node:assert/strict');
const {after, before, describe, test} = require('node:test');

const {assertClientError} = require('../lib/assert_client_error');
const {checksums, newId, scalar} = require('../lib/database');
const {Gateway} = require('../lib/gateway');
const {call} = require('../lib/policy');
const {policyFile} = require('../lib/policy_enforcement');
const {buildWorld} = require('../lib/world');

// Local actions are open; channel.link is permitted toward the "matrix" peer only.
const kBundle = `apiVersion: parley.policy/v1
kind: PolicyBundle
label_policies:
  T:
    classifications: [UNCLASSIFIED, SECRET]
schema:
  channel: {label: {type: label, policy: T}}
bridges:
  matrix: {protocol: matrix, clearance: "SECRET"}
  closed: {protocol: matrix, clearance: "SECRET"}
rules:
  - {id: local-open, effect: permit, actions: [channel.join, channel.read, message.post, file.upload, file.download]}
  - {id: link-matrix, effect: permit, actions: [channel.link], bridges: [matrix]}
`;

function linkTables(gateway) {
  return checksums(gateway, ['links', 'outbox']);
}

async function assertNothingChanged(gateway, action) {
  const before = await linkTables(gateway);
  await action();
  assert.deepEqual(await linkTables(gateway), before, 'the refused call changed links');
}

describe('channel links admin API', () => {
  let gateway;
  let world;
  let admin;
  let alice;
  before(async () => {
    const policy = policyFile(kBundle);
    gateway = await Gateway.start({extra: 'bridges:\n  matrix:\n    enabled: false\n' + policy.extra});
    world = await buildWorld(gateway, {
      users: {alice: 'system_user'},
      teams: {ops: ['admin', 'alice']},
      channels: {
        ops: {team: 'ops', name: 'mission-ops', members: ['alice']},
        old: {team: 'ops', name: 'old-news', members: ['alice'], archived: true},
      },
    });
    ({admin, alice} = world.users);
  });
  after(() => gateway?.stop());

  test('an admin creates, lists and deletes a link', async () => {
    const created = await call(admin.client, 'POST', '/parley/links', {
      channel_id: world.channels.ops, bridge: 'matrix', remote_room: '!ops:matrix.partner.example',
      direction: 'outbound', read_only: true,
    });
    assert.match(created.id, /^[a-z0-9]{26}$/);
    assert.deepEqual({...created, id: undefined, create_at: undefined, update_at: undefined}, {
      id: undefined, create_at: undefined, update_at: undefined,
      channel_id: world.channels.ops, bridge: 'matrix', remote_room: '!ops:matrix.partner.example',
      peer: '', direction: 'outbound', read_only: true, created_by: admin.id,
    });
    assert.ok(created.create_at > 0);

    const listed = await call(admin.client, 'GET', '/parley/links');
    assert.deepEqual(listed.map((link) => link.id), [created.id]);
    assert.equal(await scalar(gateway,
        `SELECT count(*) FROM audit_log WHERE action = 'channel.link' AND decision = 'permit'`), '1',
    'the decision is audited');

    // A post in the linked channel now queues one outbox row toward the room.
    await alice.client.createPost({channel_id: world.channels.ops, message: 'to the partners'});
    assert.equal(await scalar(gateway,
        `SELECT count(*) FROM outbox WHERE link_id = '${created.id}'`), '1');

    assert.deepEqual(await call(admin.client, 'DELETE', `/parley/links/${created.id}`),
        {status: 'OK'});
    assert.deepEqual(await call(admin.client, 'GET', '/parley/links'), []);
    assert.equal(await scalar(gateway, 'SELECT count(*) FROM outbox'), '0',
        'its pending rows go with it');
    await assertClientError(call(admin.client, 'DELETE', `/parley/links/${created.id}`),
        {status: 404, id: 'app.parley.link.not_found.app_error'});
  });

  test('only system admins see or change links', async () => {
    const link = await call(admin.client, 'POST', '/parley/links',
        {channel_id: world.channels.ops, bridge: 'matrix', remote_room: '#admins-only'});
    await assertNothingChanged(gateway, async () => {
      await assertClientError(call(alice.client, 'GET', '/parley/links'),
          {status: 403, id: 'api.context.permissions.app_error'});
      await assertClientError(call(alice.client, 'POST', '/parley/links',
          {channel_id: world.channels.ops, bridge: 'matrix', remote_room: '#mine'}),
      {status: 403, id: 'api.context.permissions.app_error'});
      await assertClientError(call(alice.client, 'DELETE', `/parley/links/${link.id}`),
          {status: 403, id: 'api.context.permissions.app_error'});
    });
    await call(admin.client, 'DELETE', `/parley/links/${link.id}`);
  });

  test('bad input is refused with Mattermost\'s errors and changes nothing', async () => {
    const base = {channel_id: world.channels.ops, bridge: 'matrix', remote_room: '#room'};
    const cases = [
      [{...base, channel_id: 'nope'}, 400, 'api.context.invalid_body_param.app_error'],
      [{...base, bridge: 'xmpp'}, 400, 'api.context.invalid_body_param.app_error'],
      [{...base, bridge: 7}, 400, 'api.context.invalid_body_param.app_error'],
      [{...base, remote_room: ''}, 400, 'api.context.invalid_body_param.app_error'],
      [{...base, remote_room: 'x'.repeat(513)}, 400, 'api.context.invalid_body_param.app_error'],
      [{...base, peer: 'Not A Peer!'}, 400, 'api.context.invalid_body_param.app_error'],
      [{...base, direction: 'sideways'}, 400, 'api.context.invalid_body_param.app_error'],
      [{...base, read_only: 'yes'}, 400, 'api.context.invalid_body_param.app_error'],
      [{...base, channel_id: newId()}, 404, 'app.channel.get.existing.app_error'],
      [{...base, channel_id: world.channels.old}, 400, 'api.parley.link.channel.app_error'],
    ];
    await assertNothingChanged(gateway, async () => {
      for (const [body, status, id] of cases) {
        await assertClientError(call(admin.client, 'POST', '/parley/links', body), {status, id});
      }
      await assertClientError(call(admin.client, 'POST', '/parley/links', [base]),
          {status: 400, id: 'api.context.invalid_body_param.app_error'});
      await assertClientError(call(admin.client, 'DELETE', '/parley/links/not-an-id'),
          {status: 400, id: 'api.context.invalid_url_param.app_error'});
      await assertClientError(call(admin.client, 'DELETE', `/parley/links/${newId()}`),
          {status: 404, id: 'app.parley.link.not_found.app_error'});
    });

    const first = await call(admin.client, 'POST', '/parley/links', base);
    await assertNothingChanged(gateway, () => assertClientError(
        call(admin.client, 'POST', '/parley/links', base),
        {status: 409, id: 'app.parley.link.exists.app_error'}));
    await call(admin.client, 'DELETE', `/parley/links/${first.id}`);
  });

  test('a link the policy does not permit is refused and audited', async () => {
    const denials = async () => Number(await scalar(gateway,
        `SELECT count(*) FROM audit_log WHERE action = 'channel.link' AND decision = 'deny'`));
    const before = await denials();
    await assertNothingChanged(gateway, () => assertClientError(
        call(admin.client, 'POST', '/parley/links', {channel_id: world.channels.ops,
          bridge: 'matrix', remote_room: '#closed', peer: 'closed'}),
        {status: 403, id: 'api.parley.policy.denied.app_error'}));
    assert.equal(await denials(), before + 1);
  });
});
