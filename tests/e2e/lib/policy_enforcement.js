'use strict';
// Local policy enforcement from a test: a policy bundle written to a file that a parleyd's
// configuration names, rewritten and reloaded with SIGHUP while it runs, and what parleyd logs
// about the bundle in force.

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const {eventually} = require('./websocket');

// A policy directory of its own, with one bundle file; `extra` is whatever parleyd's
// configuration should add (Gateway.start({extra})).
function policyFile(text) {
  const dir = fs.mkdtempSync(path.join(process.env.PARLEY_E2E_ROOT ?? os.tmpdir(), 'policy-'));
  const file = path.join(dir, 'bundle.yaml');
  fs.writeFileSync(file, text);
  return {file, extra: `policy:\n  files:\n    - ${file}\n`};
}

// A bundle under which every local action is permitted and messages cross `bridge` (protocol
// of the same name) both ways from `domain`, with the guard deciding each crossing; `moreRules`,
// YAML list items, are added to its rules (e.g. a forbid a test is about).
function openBridgeBundle(name, bridge, domain, moreRules = '') {
  return `apiVersion: parley.policy/v1
kind: PolicyBundle
metadata: {name: ${name}}
label_policies:
  T:
    classifications: [UNCLASSIFIED, SECRET]
schema:
  subject:
    clearance: {type: clearance, policy: T, source: admin}
  channel:
    label: {type: label, policy: T, optional: true}
bridges:
  ${bridge}:
    protocol: ${bridge}
    remote_domains: {allow: [${domain}]}
    clearance: "UNCLASSIFIED"
rules:
  - id: L0-everyone
    tier: 1
    effect: permit
    actions: [channel.join, channel.read, message.post, file.upload, file.download]
  - id: E1-to-${bridge}
    tier: 2
    effect: permit
    actions: [message.egress, thread.egress]
    bridges: [${bridge}]
  - id: N1-from-${bridge}
    tier: 2
    effect: permit
    actions: [message.ingress]
    bridges: [${bridge}]
${moreRules}`;
}

// The bundle of the attachment tests: openBridgeBundle's, plus files crossing `bridge` both
// ways, outward up to `maxEgress` bytes (file.size); a larger one is withheld and the message
// says `placeholder` instead.
function openFilesBundle(name, bridge, domain, maxEgress, placeholder) {
  return openBridgeBundle(name, bridge, domain, `  - id: F0-withhold-denied-files
    tier: 2
    effect: permit
    actions: [message.egress]
    bridges: [${bridge}]
    obligations: [{strip_denied_attachments: {placeholder: "${placeholder}"}}]
  - id: F1-files-to-${bridge}
    tier: 2
    effect: permit
    actions: [file.egress]
    bridges: [${bridge}]
    when: ["file.size <= ${maxEgress}"]
  - id: F2-files-from-${bridge}
    tier: 2
    effect: permit
    actions: [file.ingress]
    bridges: [${bridge}]
`).replace('\n  channel:\n', '\n  file: {size: {type: int, source: filter}}\n  channel:\n');
}

// The same for the xmpp bridge and the domain "localhost" of the test Prosody.
function openXmppBundle(name, moreRules = '') {
  return openBridgeBundle(name, 'xmpp', 'localhost', moreRules);
}

// A forbid (tier 0) that keeps a channel labelled above the peer's clearance from it, both ways.
const kPeerClearanceRule = `  - id: B1-peer-clearance
    tier: 0
    effect: forbid
    actions: [message.egress, thread.egress, message.ingress]
    when: ["has(channel.label) && !dominates(bridge.clearance, channel.label)"]
    reason: "the channel's label is not releasable to {{bridge.id}}"
`;

// Every post of a channel as `client` sees it, oldest first.
async function channelPosts(client, channelId) {
  const posts = [];
  for (let page = 0; ; ++page) {
    const list = await client.getPosts(channelId, page, 200);
    posts.push(...list.order.map((id) => list.posts[id]));
    if (list.order.length < 200) break;
  }
  return posts.reverse();
}

// parleyd's JSON log lines with `msg`, oldest first.
function logLines(gateway, msg) {
  return gateway.log().split('\n').filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line)).filter((line) => line.msg === msg);
}

// The hash of the bundle parleyd reported in force last ('' before any).
function bundleHash(gateway) {
  const lines = logLines(gateway, 'policy bundle in force');
  return lines.length ? lines[lines.length - 1].bundle_hash : '';
}

// Rewrites the bundle, sends SIGHUP to parleyd (as `systemctl reload` does) and waits until it
// logged the outcome: resolves with the new hash, or with the refusal's log line.
async function reloadPolicy(gateway, file, text) {
  const loaded = logLines(gateway, 'policy bundle in force').length;
  const refused = logLines(gateway, 'policy reload refused; the bundle in force stays').length;
  fs.writeFileSync(file, text);
  gateway.server_.child.kill('SIGHUP');
  let outcome = null;
  await eventually(() => {
    const ok = logLines(gateway, 'policy bundle in force');
    const bad = logLines(gateway, 'policy reload refused; the bundle in force stays');
    if (ok.length > loaded) outcome = {hash: ok[ok.length - 1].bundle_hash};
    else if (bad.length > refused) outcome = {refused: bad[bad.length - 1]};
    return outcome !== null;
  }, 'the policy reload to be logged', 20_000);
  return outcome;
}

module.exports = {bundleHash, channelPosts, kPeerClearanceRule, logLines, openBridgeBundle,
  openFilesBundle,
  openXmppBundle, policyFile, reloadPolicy};
