'use strict';
// The connection origin and message labels in the local policy (issue 5), with the official
// Client4 against real parleyd nodes on one PostgreSQL database:
// - node `vpn` counts loopback (127.0.0.0/8, ::1/128) as its VPN (gateway.yaml
//   policy.vpn_networks), node `direct` does not and trusts no proxy, node `proxied` trusts
//   loopback as a reverse proxy (server.trusted_proxies) with 10.8.0.0/16 as its VPN. A guest
//   added to the guests' channel (the reference's C2) joins, reads and posts over the VPN and is
//   denied otherwise, with an audit row naming C2's vpn clause; X-Forwarded-For counts only from
//   a trusted proxy.
// - A post's own label (props.parley_label) is read under the bundle's label policy (400 when it
//   does not parse), decided as message.label (C5: not above the channel, 403) and fixed at
//   creation (an edit changing it is 400).

const assert = require('node:assert/strict');
const {after, before, describe, test} = require('node:test');

const {assertClientError} = require('../lib/assert_client_error');
const {Gateway} = require('../lib/gateway');
const {call} = require('../lib/policy');
const {policyFile} = require('../lib/policy_enforcement');
const {eventually, officialClient} = require('../lib/websocket');
const {buildWorld} = require('../lib/world');
const WebSocket = require('ws');

const kDenied = {status: 403, id: 'api.parley.policy.denied.app_error'};
const kBadLabel = {status: 400, id: 'api.parley.post.label.app_error'};

const kBundle = `apiVersion: parley.policy/v1
kind: PolicyBundle
metadata: {name: e2e-origin}
label_policies:
  T:
    classifications: [UNCLASSIFIED, CONFIDENTIAL, SECRET]
    categories:
      REL: {type: permissive, values: [USA, GBR, FRA]}
schema:
  subject:
    role: {type: enum, values: [member, guest, channel_admin, releasing_officer], source: gateway}
    clearance: {type: clearance, policy: T, source: admin}
    via_vpn: {type: bool, source: session}
  channel:
    label: {type: label, policy: T}
    guests: {type: bool, default: false}
  message: {label: {type: label, policy: T, default: channel.label}}
  env: {origin: {type: enum, values: [vpn, direct], source: session}}
rules:
  - id: C1-members
    tier: 1
    effect: permit
    actions: [channel.join, channel.read, message.post, file.upload, file.download]
    clauses: {role: "subject.role != 'guest'"}
  - id: C2-guests-liaison
    tier: 1
    effect: permit
    actions: [channel.join, channel.read, message.post]
    clauses: {guest: "subject.role == 'guest'", channel: "channel.guests", vpn: "subject.via_vpn",
              origin: "env.origin == 'vpn'"}
  - id: C5-post-label-bounds
    tier: 1
    effect: forbid
    actions: [message.post, file.upload]
    any_of: ["!dominates(channel.label, message.label)",
             "!dominates(subject.clearance, message.label)"]
  - id: F1-files-not-below-the-channel
    tier: 1
    effect: forbid
    actions: [file.upload]
    when: ["!dominates(message.label, channel.label)"]
`;

function config(policy, {vpn, proxies}) {
  return {
    server: proxies ? `trusted_proxies: ${JSON.stringify(proxies)}` : '',
    extra: `${policy.extra}  vpn_networks: ${JSON.stringify(vpn)}\n`,
  };
}

// A Client4 of `user` on `node`, sending X-Forwarded-For when given.
function clientOn(node, user, forwardedFor) {
  const client = node.client();
  client.setToken(user.token);
  if (forwardedFor) client.setHeader('X-Forwarded-For', forwardedFor);
  return client;
}

describe('connection origin and message labels', () => {
  const nodes = {};
  const sockets = [];
  let world;
  let admin;
  let alice;   // member, SECRET REL GBR
  let gina;    // guest, added to the guests' channel over the VPN
  let gus;     // guest, added from off the VPN (refused)
  let liaison; // guests: true, UNCLASSIFIED REL USA,GBR,FRA
  let ops;     // CONFIDENTIAL REL USA,GBR

  before(async () => {
    const policy = policyFile(kBundle);
    nodes.vpn = await Gateway.start(config(policy, {vpn: ['127.0.0.0/8', '::1/128']}));
    nodes.direct = await nodes.vpn.startPeer(config(policy, {vpn: ['10.8.0.0/16']}));
    nodes.proxied = await nodes.vpn.startPeer(
        config(policy, {vpn: ['10.8.0.0/16'], proxies: ['127.0.0.1', '::1']}));
    world = await buildWorld(nodes.vpn, {
      users: {alice: 'system_user', gina: 'system_guest', gus: 'system_guest'},
      teams: {nw: ['admin', 'alice', 'gina', 'gus']},
      channels: {
        liaison: {team: 'nw', name: 'liaison', members: ['alice']},
        ops: {team: 'nw', name: 'ops', members: ['alice']},
      },
    });
    ({admin, alice, gina, gus} = world.users);
    ({liaison, ops} = world.channels);
    const field = await admin.client.createCustomProfileAttributeField(
        {name: 'clearance', type: 'text'});
    for (const [user, clearance] of [[alice, 'SECRET REL GBR'], [gina, 'UNCLASSIFIED REL FRA'],
      [gus, 'UNCLASSIFIED REL FRA']]) {
      await call(admin.client, 'PATCH', `/users/${user.id}/custom_profile_attributes`,
          {[field.id]: clearance});
    }
    await call(admin.client, 'PUT', `/channels/${liaison}/policy_attributes`,
        {label: 'UNCLASSIFIED REL USA,GBR,FRA', guests: true});
    await call(admin.client, 'PUT', `/channels/${ops}/policy_attributes`,
        {label: 'CONFIDENTIAL REL USA,GBR'});
  });

  after(async () => {
    for (const socket of sockets) socket.client.close();
    for (const node of [nodes.proxied, nodes.direct, nodes.vpn]) if (node) await node.stop();
  });

  const members = async () => (await admin.client.getChannelMembers(liaison, 0, 200))
      .map((member) => member.user_id).sort();
  const postCount = async () => (await alice.client.getPosts(liaison)).order.length;

  test('over the VPN a guest is added to the guests\' channel, reads and posts', async () => {
    const added = await admin.client.addToChannel(gina.id, liaison);
    assert.equal(added.user_id, gina.id);
    const client = clientOn(nodes.vpn, gina);
    assert.equal((await client.getChannel(liaison)).id, liaison);
    const post = await client.createPost({channel_id: liaison, message: 'bonjour'});
    assert.ok((await client.getPosts(liaison)).order.includes(post.id));
  });

  test('off the VPN the same guest is denied, and the audit names C2\'s vpn clause', async () => {
    const client = clientOn(nodes.direct, gina);
    await assertClientError(client.getChannel(liaison), kDenied);
    await assertClientError(client.getPosts(liaison), kDenied);
    const before = await postCount();
    await assertClientError(client.createPost({channel_id: liaison, message: 'leak'}), kDenied);
    assert.equal(await postCount(), before);

    for (const action of ['channel.read', 'message.post']) {
      const records = await call(admin.client, 'GET',
          `/parley/audit?subject=${gina.id}&action=${action}`);
      assert.ok(records.length >= 1, action);
      for (const record of records) {
        assert.equal(record.decision, 'deny');
        assert.equal(record.resource, `channel:${liaison}`);
        assert.deepEqual(record.rules, [{closest: 'C2-guests-liaison', failed_clause: 'vpn'}]);
        assert.equal(record.detail.origin, 'direct');
      }
    }
    // Adding a guest is a join over the adder's connection: refused off the VPN.
    await assertClientError(clientOn(nodes.direct, admin).addToChannel(gus.id, liaison),
        kDenied);
    assert.deepEqual(await members(), [alice.id, gina.id].sort());
  });

  test('X-Forwarded-For from a peer that is not a trusted proxy grants nothing', async () => {
    const client = clientOn(nodes.direct, gina, '10.8.0.5');
    await assertClientError(client.getChannel(liaison), kDenied);
    const before = await postCount();
    await assertClientError(client.createPost({channel_id: liaison, message: 'spoof'}), kDenied);
    assert.equal(await postCount(), before);
  });

  test('X-Forwarded-For from a trusted proxy names the client', async () => {
    const fromVpn = clientOn(nodes.proxied, gina, '10.8.0.5');
    assert.equal((await fromVpn.getChannel(liaison)).id, liaison);
    const post = await fromVpn.createPost({channel_id: liaison, message: 'via the proxy'});
    assert.equal(post.channel_id, liaison);
    // The proxy appended the address it saw to what the client wrote: that one is the client.
    const prepended = clientOn(nodes.proxied, gina, '10.8.0.5, 203.0.113.9');
    await assertClientError(prepended.getChannel(liaison), kDenied);
    // No header: the proxy itself (loopback) is not in 10.8.0.0/16.
    await assertClientError(clientOn(nodes.proxied, gina).getChannel(liaison), kDenied);
  });

  test('WebSocket: the channel\'s events reach the guest\'s VPN connection only', async () => {
    // Two connections of the same guest to the node behind the "proxy": one from the VPN.
    const fromVpn = await officialClient(nodes.proxied, gina.token, {newWebSocketFn: (url) =>
      new WebSocket(url, {headers: {'X-Forwarded-For': '10.8.0.5'}})});
    const direct = await officialClient(nodes.proxied, gina.token);
    sockets.push(fromVpn, direct);
    const post = await clientOn(nodes.proxied, alice).createPost(
        {channel_id: liaison, message: 'for the VPN only'});
    // An event for all of gina's connections, published after the post: once the direct
    // connection has it, it would have had the post before.
    await clientOn(nodes.proxied, gina, '10.8.0.5').savePreferences(gina.id,
        [{user_id: gina.id, category: 'display_settings', name: 'use_military_time',
          value: 'true'}]);
    const posted = (socket) => socket.events.filter((e) => e.event === 'posted')
        .map((e) => JSON.parse(e.data.post).id);
    const has = (socket, name) => socket.events.some((e) => e.event === name);
    await eventually(() => posted(fromVpn).includes(post.id), 'the VPN connection\'s post');
    await eventually(() => has(direct, 'preferences_changed'), 'the direct preferences event');
    assert.ok(!posted(direct).includes(post.id), 'the direct connection got the post');
  });

  test('a post whose label does not parse is refused and nothing is posted', async () => {
    const before = (await alice.client.getPosts(ops)).order.length;
    for (const label of ['TOP SECRET', 'CONFIDENTIAL REL DEU', '', 42]) {
      await assertClientError(alice.client.createPost(
          {channel_id: ops, message: 'x', props: {parley_label: label}}), kBadLabel);
    }
    assert.equal((await alice.client.getPosts(ops)).order.length, before);
  });

  test('a label above the channel is denied by C5; within it the post keeps it', async () => {
    const before = (await alice.client.getPosts(ops)).order.length;
    await assertClientError(alice.client.createPost(
        {channel_id: ops, message: 'too high', props: {parley_label: 'SECRET REL GBR'}}), kDenied);
    assert.equal((await alice.client.getPosts(ops)).order.length, before);
    const [record] = await call(admin.client, 'GET',
        `/parley/audit?subject=${alice.id}&action=message.post`);
    assert.deepEqual(record.rules, ['C5-post-label-bounds']);
    assert.equal(record.detail.label, 'SECRET REL GBR');

    const post = await alice.client.createPost({channel_id: ops, message: 'within',
      props: {parley_label: 'CONFIDENTIAL REL TO GBR, USA'}});
    assert.equal(post.props.parley_label, 'CONFIDENTIAL REL USA,GBR');  // canonical form
  });

  test('a labelled post\'s files are decided with its label (file.upload)', async () => {
    const upload = async () => {
      const form = new FormData();
      form.append('channel_id', ops);
      form.append('files', new Blob(['notes\n'], {type: 'text/plain'}), 'notes.txt');
      return (await alice.client.uploadFile(form)).file_infos[0].id;
    };
    const below = 'UNCLASSIFIED REL USA,GBR';
    assert.ok(await alice.client.createPost({channel_id: ops, message: 'no file',
      props: {parley_label: below}}));
    const fileId = await upload();
    const before = (await alice.client.getPosts(ops)).order.length;
    await assertClientError(alice.client.createPost({channel_id: ops, message: 'with a file',
      file_ids: [fileId], props: {parley_label: below}}), kDenied);
    assert.equal((await alice.client.getPosts(ops)).order.length, before);
    const [record] = await call(admin.client, 'GET',
        `/parley/audit?subject=${alice.id}&action=file.upload`);
    assert.deepEqual(record.rules, ['F1-files-not-below-the-channel']);
    assert.equal(record.resource, `file:${fileId}`);
    // Under the channel's own label the same file goes out with its post.
    const post = await alice.client.createPost({channel_id: ops, message: 'with a file',
      file_ids: [fileId]});
    assert.deepEqual(post.file_ids, [fileId]);
  });

  test('the label is fixed at creation: an edit may keep it, not change it', async () => {
    const post = await alice.client.createPost({channel_id: ops, message: 'first',
      props: {parley_label: 'CONFIDENTIAL REL GBR'}});
    for (const props of [{parley_label: 'UNCLASSIFIED'}, {}, {parley_label: 'SECRET REL GBR'}]) {
      await assertClientError(alice.client.patchPost({id: post.id, message: 'changed', props}),
          kBadLabel);
    }
    const unchanged = await alice.client.getPost(post.id);
    assert.equal(unchanged.message, 'first');
    assert.equal(unchanged.props.parley_label, 'CONFIDENTIAL REL GBR');

    const edited = await alice.client.patchPost({id: post.id, message: 'second'});
    assert.equal(edited.message, 'second');
    assert.equal(edited.props.parley_label, 'CONFIDENTIAL REL GBR');
    const kept = await alice.client.updatePost({...edited, message: 'third'});
    assert.equal(kept.message, 'third');
    assert.equal(kept.props.parley_label, 'CONFIDENTIAL REL GBR');
  });
});
