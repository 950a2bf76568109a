'use strict';
// The Matrix bridge in a test: a parleyd with bridges.matrix pointing at a FakeHomeserver
// (lib/fake_homeserver.js), the registration `parleyd matrix registration` prints, and a policy
// bundle under which messages cross the matrix bridge both ways.

const assert = require('node:assert/strict');
const fs = require('node:fs');

const {FakeHomeserver} = require('./fake_homeserver');
const {Gateway} = require('./gateway');
const {freePort} = require('./prosody');
const {openBridgeBundle, policyFile} = require('./policy_enforcement');
const {eventually} = require('./websocket');

const kServerName = 'hs.test';
const kAsPath = '/matrix';

// Every local action permitted; messages cross the matrix bridge both ways (from hs.test);
// `moreRules` added.
function openMatrixBundle(name, moreRules = '') {
  return openBridgeBundle(name, 'matrix', kServerName, moreRules);
}

// `more`: lines added to bridges.matrix (e.g. 'max_file_size: 64KiB\n').
function matrixYaml(hs, more = '') {
  return 'bridges:\n  matrix:\n    enabled: true\n' +
    `    homeserver_url: ${hs.url}\n` +
    `    server_name: ${kServerName}\n` +
    '    id: parley-e2e\n' +
    `    url: http://parley.test:8065${kAsPath}\n` +
    '    sender_localpart: parleybot\n' +
    '    user_prefix: mm_\n' +
    '    token_file: matrix-tokens.yaml\n' +
    '    request_timeout: 5s\n' +
    more.split('\n').filter(Boolean).map((line) => `    ${line}\n`).join('');
}

// The registration YAML as parleyd writes it (a flat subset: read without a YAML library).
function parseRegistration(text) {
  const value = (key) => {
    const match = text.match(new RegExp(`^${key}: (.*)$`, 'm'));
    return match ? match[1].trim() : undefined;
  };
  const regex = (kind) => {
    const block = text.slice(text.indexOf(`  ${kind}:`));
    const match = block.match(/regex: '([^']*)'/);
    return match ? match[1].replace(/''/g, '\'') : undefined;
  };
  return {id: value('id'), url: value('url'), as_token: value('as_token'),
    hs_token: value('hs_token'), sender_localpart: value('sender_localpart'),
    rate_limited: value('rate_limited'),
    namespaces: {users: [{exclusive: true, regex: regex('users')}],
      aliases: [{exclusive: true, regex: regex('aliases')}]}};
}

// A homeserver and a parleyd bridged to it. `links(hs)`: the links: lines to add (after the
// world is built by `setup(gateway)`); parleyd restarts with them and the homeserver pushes.
// `matrix`: lines added to bridges.matrix; `siteUrl`: parleyd listens on a fixed port from
// the restart on and server.site_url names it (the base of the file links it sends).
async function startMatrix({bundle, hsOptions = {}, setup, links, matrix = '', siteUrl = false}) {
  const hs = await FakeHomeserver.start({serverName: kServerName, ...hsOptions});
  const gateway = await Gateway.start({extra: matrixYaml(hs, matrix) + policyFile(bundle).extra});
  const printed = await gateway.parleyd(['matrix', 'registration']);
  assert.equal(printed.code, 0, printed.stderr);
  const registration = parseRegistration(printed.stdout);
  hs.setRegistration(registration);
  const context = await setup(gateway, hs);
  if (siteUrl) {
    const port = await freePort();
    fs.writeFileSync(gateway.config, fs.readFileSync(gateway.config, 'utf8').replace(
        '  listen: 127.0.0.1:0\n', `  listen: 127.0.0.1:${port}\n  site_url: http://127.0.0.1:${port}\n`));
  }
  fs.appendFileSync(gateway.config, 'links:\n' + links(hs, context).map((l) => `  - ${l}\n`).join(''));
  await gateway.restart();
  await roomsLinked(gateway);
  hs.setAppService(`${gateway.url}${kAsPath}`);
  return {hs, gateway, registration, context};
}

// parleyd logged that it resolved its matrix rooms (since its last start).
async function roomsLinked(gateway) {
  const before = gateway.log().lastIndexOf('"msg":"listening"');
  await eventually(() => gateway.log().indexOf('"msg":"matrix rooms linked"', before) >= 0,
      'the matrix rooms to be linked', 20_000);
}

// A transaction pushed by hand to parleyd's AS routes; resolves with {status, body}.
async function putTransaction(gateway, txnId, body, {token, route = '/_matrix/app/v1',
  query = false, raw = false} = {}) {
  const headers = {'Content-Type': 'application/json'};
  if (token && !query) headers.Authorization = `Bearer ${token}`;
  const suffix = token && query ? `?access_token=${encodeURIComponent(token)}` : '';
  const response = await fetch(`${gateway.url}${kAsPath}${route}/transactions/${txnId}${suffix}`,
      {method: 'PUT', headers, body: raw ? body : JSON.stringify(body)});
  const text = await response.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  return {status: response.status, body: json};
}

// Polls an async `condition` until it resolves truthy, and resolves with that value; rejects
// after `timeoutMs` saying `what` did not happen.
async function until(condition, what, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

module.exports = {kServerName, kAsPath, openMatrixBundle, matrixYaml, parseRegistration,
  startMatrix, roomsLinked, putTransaction, until};
