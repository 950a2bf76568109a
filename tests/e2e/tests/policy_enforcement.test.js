'use strict';
// Local policy enforcement (issue 5) with the official Client4 against a parleyd whose
// configuration names a policy bundle: a clearance rule like the reference's C1 decides who
// joins, reads, posts in and downloads from a labelled channel; every denial is a 403 with
// Parley's error id, changes nothing and is audited with the closest permit; SIGHUP reloads the
// bundle (a good one changes decisions at once, a broken one keeps the bundle in force); the
// WebSocket hub does not deliver a denied channel's events.

const assert = require('node:assert/strict');
const {after, before, describe, test} = require('node:test');

const {assertClientError} = require('../lib/assert_client_error');
const {newId} = require('../lib/database');
const {Gateway} = require('../lib/gateway');
const {call} = require('../lib/policy');
const {bundleHash, policyFile, reloadPolicy} = require('../lib/policy_enforcement');
const {officialClient, eventually} = require('../lib/websocket');
const {buildWorld} = require('../lib/world');

const kDenied = {status: 403, id: 'api.parley.policy.denied.app_error'};
const kLocalActions = '[channel.join, channel.read, message.post, file.upload, file.download]';

// Unlabelled channels are open to everyone (so the rest of the server works as without a
// policy); a labelled one to the users whose clearance dominates its label.
function bundle(extraRules = '') {
  return `apiVersion: parley.policy/v1
kind: PolicyBundle
metadata: {name: e2e-local}
label_policies:
  T:
    classifications: [UNCLASSIFIED, CONFIDENTIAL, SECRET]
schema:
  subject:
    clearance: {type: clearance, policy: T, source: admin}
  channel:
    label: {type: label, policy: T, optional: true}
rules:
  - id: L0-unlabelled
    tier: 1
    effect: permit
    actions: ${kLocalActions}
    when: ["!has(channel.label)"]
  - id: L1-cleared
    tier: 1
    effect: permit
    actions: ${kLocalActions}
    clauses:
      labelled: "has(channel.label)"
      clearance: "dominates(subject.clearance, channel.label)"
${extraRules}`;
}

const kFrozen = `  - id: F1-downloads-frozen
    tier: 1
    effect: forbid
    actions: [file.download]
    when: ["has(channel.label)"]
`;

// GET with the client's token, as a browser fetches Client4.getFileUrl().
function download(client, fileId) {
  return fetch(client.getFileUrl(fileId), {headers: {Authorization: `Bearer ${client.getToken()}`}});
}

async function errorJson(response) {
  return {status: response.status, id: (await response.json()).id};
}

describe('local policy enforcement', () => {
  let policy;
  let gateway;
  let world;
  let admin;
  let alice;  // SECRET, member of the vault, owns its file
  let bob;    // SECRET, joins the vault
  let carol;  // CONFIDENTIAL, not a member
  let dave;   // CONFIDENTIAL, member since before the label
  let vault;
  let fileId;
  const listeners = {};

  before(async () => {
    policy = policyFile(bundle());
    gateway = await Gateway.start({extra: policy.extra});
    world = await buildWorld(gateway, {
      users: {alice: 'system_user', bob: 'system_user', carol: 'system_user',
        dave: 'system_user'},
      teams: {ops: ['admin', 'alice', 'bob', 'carol', 'dave']},
      channels: {
        vault: {team: 'ops', name: 'vault', members: ['alice', 'dave']},
        bobs: {team: 'ops', name: 'bobs', type: 'P', members: ['bob']},
      },
    });
    ({admin, alice, bob, carol, dave} = world.users);
    vault = world.channels.vault;

    const field = await admin.client.createCustomProfileAttributeField(
        {name: 'clearance', type: 'text'});
    for (const [user, clearance] of
      [[alice, 'SECRET'], [bob, 'SECRET'], [carol, 'CONFIDENTIAL'], [dave, 'CONFIDENTIAL']]) {
      await call(admin.client, 'PATCH', `/users/${user.id}/custom_profile_attributes`,
          {[field.id]: clearance});
    }
    await call(admin.client, 'PUT', `/channels/${vault}/policy_attributes`, {label: 'SECRET'});

    const form = new FormData();
    form.append('channel_id', vault);
    form.append('files', new Blob(['the plan\n'], {type: 'text/plain'}), 'plan.txt');
    fileId = (await alice.client.uploadFile(form)).file_infos[0].id;
    await alice.client.createPost({channel_id: vault, message: 'the plan', file_ids: [fileId]});
  });

  after(async () => {
    for (const listener of Object.values(listeners)) listener.client.close();
    if (gateway) await gateway.stop();
  });

  test('parleyd logs the hash of the bundle it enforces', () => {
    assert.match(bundleHash(gateway), /^[0-9a-f]{64}$/);
  });

  test('an uncleared user cannot join; a cleared one can', async () => {
    const denied = await assertClientError(carol.client.addToChannel(carol.id, vault), kDenied);
    assert.match(denied.message, /policy\.denied/);
    assert.doesNotMatch(denied.message, /SECRET|CONFIDENTIAL/, 'no label in a user message');
    const members = async () => (await admin.client.getChannelMembers(vault, 0, 200))
        .map((member) => member.user_id).sort();
    assert.deepEqual(await members(), [alice.id, dave.id].sort());
    // Nor can anyone else add them.
    await assertClientError(alice.client.addToChannel(carol.id, vault), kDenied);
    assert.deepEqual(await members(), [alice.id, dave.id].sort());

    const joined = await bob.client.addToChannel(bob.id, vault);
    assert.equal(joined.user_id, bob.id);
    assert.deepEqual(await members(), [alice.id, bob.id, dave.id].sort());
  });

  test('every local denial is audited with the closest permit; admins read it', async () => {
    const records = await call(admin.client, 'GET',
        `/parley/audit?subject=${carol.id}&action=channel.join`);
    assert.equal(records.length, 2);
    for (const record of records) {
      assert.equal(record.decision, 'deny');
      assert.equal(record.resource, `channel:${vault}`);
      assert.equal(record.bundle_hash, bundleHash(gateway));
      assert.deepEqual(record.rules, [{closest: 'L1-cleared', failed_clause: 'clearance'}]);
      assert.deepEqual(record.detail.closest, {rule: 'L1-cleared', failed: 'clearance'});
      assert.equal(record.detail.reason_code, 'policy.denied.no_permit');
    }
    // Permits are not audited locally.
    assert.deepEqual(await call(admin.client, 'GET',
        `/parley/audit?subject=${bob.id}&action=channel.join`), []);
    // Users cannot read the audit log.
    await assertClientError(call(carol.client, 'GET', '/parley/audit'),
        {status: 403, id: 'api.context.permissions.app_error'});
  });

  test('a member the policy denies cannot read, post or download there', async () => {
    await assertClientError(dave.client.getChannel(vault), kDenied);
    await assertClientError(dave.client.getPosts(vault), kDenied);
    const before = (await alice.client.getPosts(vault)).order.length;
    await assertClientError(dave.client.createPost({channel_id: vault, message: 'leak'}),
        kDenied);
    assert.equal((await alice.client.getPosts(vault)).order.length, before);
    assert.deepEqual(await errorJson(await download(dave.client, fileId)), kDenied);
    const form = new FormData();
    form.append('channel_id', vault);
    form.append('files', new Blob(['x'], {type: 'text/plain'}), 'x.txt');
    await assertClientError(dave.client.uploadFile(form), kDenied);

    const downloaded = await download(bob.client, fileId);
    assert.equal(downloaded.status, 200);
    assert.equal(await downloaded.text(), 'the plan\n');
    const denials = await call(admin.client, 'GET',
        `/parley/audit?subject=${dave.id}&action=file.download`);
    assert.equal(denials.length, 1);
    assert.equal(denials[0].resource, `file:${fileId}`);
  });

  // The access and the decision's inputs are read together: what the access alone answers
  // stays the answer, and the policy is not asked.
  test('under a bundle, a channel not there or not theirs answers as without one', async () => {
    const kNoChannel = {status: 404, id: 'app.channel.get.existing.app_error'};
    const kNoPermission = {status: 403, id: 'api.context.permissions.app_error'};
    await assertClientError(alice.client.createPost({channel_id: newId(), message: 'x'}),
        kNoChannel);
    await assertClientError(alice.client.getPosts(newId()), kNoChannel);
    const bobs = world.channels.bobs;
    await assertClientError(alice.client.createPost({channel_id: bobs, message: 'x'}),
        kNoPermission);
    await assertClientError(alice.client.getPosts(bobs), kNoPermission);
    const decided = await call(admin.client, 'GET', `/parley/audit?subject=${alice.id}`);
    assert.deepEqual(decided.filter((r) => r.resource === `channel:${bobs}`), []);
    const posted = await bob.client.createPost({channel_id: bobs, message: 'mine'});
    assert.equal(posted.channel_id, bobs, 'a SECRET member posts in an unlabelled channel');
  });

  // Posts made at once to one channel are written in batches (core/services/post_lanes): each
  // is still decided for its own author, and a denial is that post's alone.
  test('posts made at once by a cleared and a denied member are decided one by one',
      async () => {
    const count = async () => (await alice.client.getPosts(vault, 0, 200)).order.length;
    const before = await count();
    const deniedBefore = (await call(admin.client, 'GET',
        `/parley/audit?subject=${dave.id}&action=message.post`)).length;
    const made = Array.from({length: 20}, (_, i) => {
      const author = i % 2 === 0 ? alice : dave;
      return author.client.createPost({channel_id: vault, message: `together ${i}`}).then(
          (post) => ({author, post}), (error) => ({author, error}));
    });
    const results = await Promise.all(made);
    for (const {author, post, error} of results) {
      if (author === alice) {
        assert.ok(post, `alice's post was refused: ${error?.message}`);
        assert.equal(post.user_id, alice.id);
      } else {
        assert.ok(error, 'dave\'s post went through');
        assert.deepEqual({status: error.status_code, id: error.server_error_id}, kDenied);
      }
    }
    assert.equal(await count(), before + 10, 'alice\'s ten posts, and none of dave\'s');
    const denials = await call(admin.client, 'GET',
        `/parley/audit?subject=${dave.id}&action=message.post`);
    assert.equal(denials.length, deniedBefore + 10, 'each of dave\'s posts audited once');
  });

  test('a denied member gets no posted events of the channel; a cleared one does', async () => {
    listeners.bob = await officialClient(gateway, bob.token);
    listeners.dave = await officialClient(gateway, dave.token);
    const secret = await alice.client.createPost({channel_id: vault, message: 'eyes only'});
    const town = (await alice.client.getChannelByName(world.teams.ops, 'town-square')).id;
    const open = await alice.client.createPost({channel_id: town, message: 'hello all'});
    const postedIds = (listener) => listener.events.filter((e) => e.event === 'posted')
        .map((e) => JSON.parse(e.data.post).id);
    // Events reach a user in order: once dave has the later town-square post, the vault post
    // would have come before it.
    await eventually(() => postedIds(listeners.dave).includes(open.id), 'dave\'s town post');
    await eventually(() => postedIds(listeners.bob).includes(secret.id), 'bob\'s vault post');
    assert.ok(!postedIds(listeners.dave).includes(secret.id), 'dave got the vault post');
  });

  test('a reload changes decisions without a restart', async () => {
    const previous = bundleHash(gateway);
    const pid = gateway.server_.child.pid;
    const {hash} = await reloadPolicy(gateway, policy.file, bundle(kFrozen));
    assert.match(hash, /^[0-9a-f]{64}$/);
    assert.notEqual(hash, previous);
    assert.equal(gateway.server_.child.pid, pid);
    assert.deepEqual(await errorJson(await download(bob.client, fileId)), kDenied);
    const [record] = await call(admin.client, 'GET',
        `/parley/audit?subject=${bob.id}&action=file.download`);
    assert.deepEqual(record.rules, ['F1-downloads-frozen']);
    assert.equal(record.bundle_hash, hash);
  });

  test('a broken bundle is refused with file:line and the bundle in force stays', async () => {
    const inForce = bundleHash(gateway);
    const {refused} = await reloadPolicy(gateway, policy.file,
        bundle(kFrozen).replace('has(channel.label)"]\n', 'subject.rank == 1"]\n'));
    assert.ok(refused, 'the broken bundle was not refused');
    assert.match(refused.error, /bundle\.yaml:\d+: .*subject\.rank/);
    assert.equal(bundleHash(gateway), inForce);
    // Same decisions as before the broken reload.
    assert.deepEqual(await errorJson(await download(bob.client, fileId)), kDenied);
    await assertClientError(carol.client.addToChannel(carol.id, vault), kDenied);
    const [record] = await call(admin.client, 'GET',
        `/parley/audit?subject=${bob.id}&action=file.download`);
    assert.equal(record.bundle_hash, inForce);
  });
});

describe('policy files at start-up', () => {
  test('a broken bundle stops parleyd with its file:line', async () => {
    const broken = policyFile(bundle().replace('dominates(', 'dominatez('));
    await assert.rejects(Gateway.start({extra: broken.extra}), (error) => {
      assert.match(error.message, /exited before listening/);
      assert.match(error.message, /bundle\.yaml:\d+: /);
      return true;
    });
  });
});
