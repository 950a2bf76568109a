'use strict';
// Attachments over the XMPP bridge, end to end: a real parleyd (its XEP-0114 component) and
// PostgreSQL, a real Prosody with its XEP-0363 upload service (mod_http_file_share on loopback
// http, lib/prosody.js), Mattermost users on Client4 and an XMPP user on @xmpp/client.
//
// Mattermost -> XMPP: each file of a post is a message of its own whose body is a capability
// URL Parley serves for that link (plus XEP-0066 OOB); fetching it yields the same bytes, and a
// changed signature, another file id or an expired URL is refused. XMPP -> Mattermost: a file
// uploaded to Prosody and sent with OOB becomes a file of the puppet's post with the same
// SHA-256; one above bridges.xmpp.max_file_size is not fetched and the post says so.

const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const {after, before, describe, test} = require('node:test');

const {filesForm, makePng, sha256} = require('../lib/files');
const {call} = require('../lib/policy');
const {Gateway} = require('../lib/gateway');
const {openFilesBundle, policyFile} = require('../lib/policy_enforcement');
const {Prosody, freePort} = require('../lib/prosody');
const {eventually} = require('../lib/websocket');
const {buildWorld} = require('../lib/world');
const {XmppUser, stanzaId, until, xml} = require('../lib/xmpp');

const kDomain = 'mattermost.localhost';
const kRoom = `town-square@${kDomain}`;
const kMaxFetch = 64 * 1024;  // bridges.xmpp.max_file_size of this gateway
const kOob = 'jabber:x:oob';

// Local actions for everyone; messages and files cross the xmpp bridge both ways, files up to
// kMaxEgress bytes; a larger one is withheld and the message says so.
const kMaxEgress = 100 * 1024;
const kWithheld = '[attachment withheld by policy]';
const kBundle = openFilesBundle('e2e-xmpp-files', 'xmpp', 'localhost', kMaxEgress, kWithheld);

// Uploads `bytes` through Prosody's XEP-0363 service as `user`: resolves with the GET URL.
async function uploadToProsody(prosody, user, filename, bytes, contentType) {
  const id = `slot-${crypto.randomUUID()}`;
  await user.send(xml('iq', {type: 'get', to: prosody.uploadDomain, id},
      xml('request', {xmlns: 'urn:xmpp:http:upload:0', filename, size: String(bytes.length),
        'content-type': contentType})));
  const answer = await user.waitFor((s) => s.is('iq') && s.attrs.id === id);
  assert.equal(answer.attrs.type, 'result', `slot request: ${answer.toString()}`);
  const slot = answer.getChild('slot', 'urn:xmpp:http:upload:0');
  const put = slot.getChild('put');
  const headers = {'Content-Type': contentType};
  for (const header of put.getChildren('header')) headers[header.attrs.name] = header.text();
  const response = await fetch(put.attrs.url, {method: 'PUT', headers, body: bytes});
  assert.ok(response.ok, `PUT ${put.attrs.url}: ${response.status}`);
  return slot.getChild('get').attrs.url;
}

// A groupchat message carrying `url` as body and XEP-0066 OOB, as Conversations sends it.
function fileMessage(id, url) {
  return xml('message', {type: 'groupchat', to: kRoom, id},
      xml('body', {}, url),
      xml('x', {xmlns: kOob}, xml('url', {}, url)),
      xml('origin-id', {xmlns: 'urn:xmpp:sid:0', id}));
}

describe('xmpp bridge: attachments', () => {
  let prosody;
  let gateway;
  let world;
  let xena;

  before(async () => {
    prosody = await Prosody.start({users: [['xena', 'xenapass']],
      upload: {sizeLimit: 1024 * 1024}});
    process.env.PARLEY_XMPP_SECRET = prosody.componentSecret;
    const policy = policyFile(kBundle);
    // The test Prosody serves its uploads over http on loopback: allowed here only.
    const bridge = prosody.gatewayBridgeYaml({attachments:
      `max_file_size: ${kMaxFetch}\nallow_http_urls: true\nallow_private_addresses: true\n` +
      'fetch_timeout: 10s\n'});
    gateway = await Gateway.start({extra: bridge + policy.extra});
    world = await buildWorld(gateway, {
      users: {alice: 'system_user'},
      teams: {ops: ['admin', 'alice']},
      channels: {town: {team: 'ops', name: 'town-square', members: ['admin', 'alice']}},
    });
    // A fixed port so that server.site_url (the base of the file URLs) names this gateway, and
    // the link from gateway.yaml.
    const port = await freePort();
    const config = fs.readFileSync(gateway.config, 'utf8')
        .replace('  listen: 127.0.0.1:0\n',
            `  listen: 127.0.0.1:${port}\n  site_url: http://127.0.0.1:${port}\n`);
    fs.writeFileSync(gateway.config, config +
        'links:\n  - {channel: ops/town-square, bridge: xmpp, remote: town-square}\n');
    await gateway.restart();
    assert.equal(gateway.port, port);
    await eventually(() => gateway.log().includes('"msg":"hosting the rooms of the xmpp links"') &&
        gateway.log().includes('"rooms":1'), 'the room to be hosted', 20_000);
    xena = await XmppUser.login(prosody, 'xena', 'xenapass');
    await xena.join(kRoom, 'xena');
  });

  after(async () => {
    await xena?.stop();
    await gateway?.stop();
    await prosody?.stop();
  });

  test('a Mattermost file reaches the XMPP room as a URL that serves the same bytes', async () => {
    const alice = world.client('alice');
    const png = makePng(40, 30);
    const text = Buffer.from('plain text attachment\n'.repeat(50));
    const uploadedPng = await alice.uploadFile(filesForm(world.channels.town, 'chart.png', png));
    const uploadedText = await alice.uploadFile(
        filesForm(world.channels.town, 'notes and more.txt', text));
    const post = await alice.createPost({channel_id: world.channels.town, message: 'two files',
      file_ids: [uploadedPng.file_infos[0].id, uploadedText.file_infos[0].id]});

    const textPart = await xena.waitFor((s) => s.is('message') &&
        s.getChildText('body') === 'two files');
    assert.equal(stanzaId(textPart), post.id);
    const parts = [];
    for (let part = 1; part <= 2; ++part) {
      parts.push(await xena.waitFor((s) => s.is('message') && stanzaId(s) === `${post.id}-${part}`));
    }
    const urls = parts.map((m) => {
      const oob = m.getChild('x', kOob);
      assert.ok(oob, `OOB in ${m.toString()}`);
      assert.equal(m.getChildText('body'), oob.getChildText('url'), 'body == URL');
      assert.equal(m.attrs.from, `${kRoom}/alice`);
      return oob.getChildText('url');
    });
    const base = `http://127.0.0.1:${gateway.port}/api/v4/parley/bridge_files/`;
    assert.ok(urls[0].startsWith(`${base}${uploadedPng.file_infos[0].id}/chart.png?link=`), urls[0]);
    assert.ok(urls[1].startsWith(`${base}${uploadedText.file_infos[0].id}/notes%20and%20more.txt?`),
        urls[1]);

    // No session: the URL alone authorises, and the bytes are the uploaded ones.
    const pngResponse = await fetch(urls[0]);
    assert.equal(pngResponse.status, 200);
    assert.equal(pngResponse.headers.get('content-type'), 'image/png');
    assert.equal(sha256(Buffer.from(await pngResponse.arrayBuffer())), sha256(png));
    const textResponse = await fetch(urls[1]);
    assert.equal(textResponse.status, 200);
    assert.match(textResponse.headers.get('content-type'), /^text\/plain/);
    assert.match(textResponse.headers.get('content-disposition'),
        /^attachment;filename="notes%20and%20more.txt"/);
    assert.equal(sha256(Buffer.from(await textResponse.arrayBuffer())), sha256(text));

    // Tampering: a changed signature, another file id under the same signature, a later
    // expiry, no signature at all: 403 with Mattermost's error JSON, and no bytes.
    const url = new URL(urls[0]);
    const sig = url.searchParams.get('sig');
    const tampered = [];
    const withSig = new URL(url);
    withSig.searchParams.set('sig', (sig[0] === 'a' ? 'b' : 'a') + sig.slice(1));
    tampered.push(withSig);
    const otherFile = new URL(url);
    otherFile.pathname = otherFile.pathname.replace(uploadedPng.file_infos[0].id,
        uploadedText.file_infos[0].id);
    tampered.push(otherFile);
    const longer = new URL(url);
    longer.searchParams.set('exp', String(Number(url.searchParams.get('exp')) + 3600));
    tampered.push(longer);
    const unsigned = new URL(url);
    unsigned.searchParams.delete('sig');
    tampered.push(unsigned);
    const expired = new URL(url);
    expired.searchParams.set('exp', '1000');  // even with a signature of its own it is past
    tampered.push(expired);
    for (const bad of tampered) {
      const response = await fetch(bad);
      assert.equal(response.status, 403, bad.toString());
      const body = await response.json();
      assert.equal(body.id, 'api.parley.bridge_file.invalid_link.app_error');
      assert.equal(body.status_code, 403);
    }

    // A deleted post takes its files' URLs back at once.
    await alice.deletePost(post.id);
    const gone = await fetch(urls[0]);
    assert.equal(gone.status, 404);
    assert.equal((await gone.json()).id, 'app.file_info.get.app_error');
  });

  test('a file the policy keeps from XMPP is withheld with the placeholder, and audited', async () => {
    const alice = world.client('alice');
    const small = Buffer.from('small enough\n');
    const big = crypto.randomBytes(kMaxEgress + 1);
    const uploadedSmall = await alice.uploadFile(filesForm(world.channels.town, 'small.txt', small));
    const uploadedBig = await alice.uploadFile(filesForm(world.channels.town, 'big.bin', big));
    const bigId = uploadedBig.file_infos[0].id;
    const post = await alice.createPost({channel_id: world.channels.town, message: 'one of two',
      file_ids: [uploadedSmall.file_infos[0].id, bigId]});

    const textPart = await xena.waitFor((s) => s.is('message') && stanzaId(s) === post.id);
    assert.equal(textPart.getChildText('body'), `one of two\n${kWithheld}`);
    const filePart = await xena.waitFor((s) => s.is('message') && stanzaId(s) === `${post.id}-1`);
    const url = filePart.getChild('x', kOob).getChildText('url');
    assert.deepEqual(Buffer.from(await (await fetch(url)).arrayBuffer()), small);
    const more = await xena.collect(1000, (s) => s.is('message') && stanzaId(s) === `${post.id}-2`);
    assert.deepEqual(more, [], 'the withheld file is not sent');

    // The post itself is unchanged for Mattermost users, and the denial is on the audit log.
    const stored = await alice.getPost(post.id);
    assert.deepEqual(stored.file_ids.sort(), [uploadedSmall.file_infos[0].id, bigId].sort());
    const admin = world.client('admin');
    await until(async () => (await call(admin, 'GET', '/parley/audit?action=file.egress&decision=deny'))
        .some((r) => r.resource === `file:${bigId}`), 'the file.egress denial to be audited');
  });

  test('a file an XMPP user uploads to their server arrives intact as the puppet\'s file', async () => {
    const bytes = makePng(64, 48);
    const url = await uploadToProsody(prosody, xena, 'from xmpp.png', bytes, 'image/png');
    assert.ok(url.startsWith(`http://127.0.0.1:${prosody.httpPort}/`), url);
    // Right behind it, a text message: it waits for the file's fetch, the room keeps its order.
    await xena.send(fileMessage('f-1', url));
    await xena.send(xml('message', {type: 'groupchat', to: kRoom, id: 'f-1b'},
        xml('body', {}, 'and the text after it')));
    const reflected = await xena.waitFor((s) => s.is('message') && s.attrs.id === 'f-1' &&
        s.attrs.type === 'groupchat');
    const postId = stanzaId(reflected);
    assert.match(postId, /^[a-z0-9]{26}$/, reflected.toString());
    const after = await xena.waitFor((s) => s.is('message') && s.attrs.id === 'f-1b' &&
        s.attrs.type === 'groupchat');
    const order = (await world.client('alice').getPosts(world.channels.town)).order;
    assert.ok(order.indexOf(stanzaId(after)) < order.indexOf(postId),
        'the text after the file is the newer post');

    const alice = world.client('alice');
    const post = await alice.getPost(postId);
    assert.equal(post.channel_id, world.channels.town);
    assert.equal(post.message, '', 'body == URL: the message is the file alone');
    assert.equal(post.file_ids.length, 1);
    const puppet = await alice.getUser(post.user_id);
    assert.notEqual(puppet.id, world.users.alice.id);
    const info = post.metadata.files[0];
    assert.equal(info.name, 'from xmpp.png');
    assert.equal(info.mime_type, 'image/png');
    assert.equal(info.size, bytes.length);
    assert.equal(info.user_id, puppet.id);
    // Client4's file URL, fetched with alice's token as a browser does.
    const got = await fetch(alice.getFileUrl(post.file_ids[0], 0),
        {headers: {Authorization: `Bearer ${alice.getToken()}`}});
    assert.equal(got.status, 200);
    const body = Buffer.from(await got.arrayBuffer());
    assert.equal(sha256(body), sha256(bytes));

    // The post is not sent back to XMPP (it came from there).
    const echo = await xena.collect(1500, (s) => s.is('message') && stanzaId(s) === postId &&
        s.attrs.id !== 'f-1');
    assert.deepEqual(echo, []);
  });

  test('a file above the size limit is not fetched and the post says so', async () => {
    const bytes = crypto.randomBytes(kMaxFetch + 40 * 1024);  // 104 KiB
    const url = await uploadToProsody(prosody, xena, 'big.bin', bytes, 'application/octet-stream');
    await xena.send(xml('message', {type: 'groupchat', to: kRoom, id: 'f-2'},
        xml('body', {}, `the logs ${url}`),
        xml('x', {xmlns: kOob}, xml('url', {}, url)),
        xml('origin-id', {xmlns: 'urn:xmpp:sid:0', id: 'f-2'})));
    const reflected = await xena.waitFor((s) => s.is('message') && s.attrs.id === 'f-2' &&
        s.attrs.type === 'groupchat');
    const post = await world.client('alice').getPost(stanzaId(reflected));
    assert.deepEqual(post.file_ids ?? [], []);
    assert.ok(post.message.startsWith('the logs '), post.message);
    assert.ok(post.message.includes('[big.bin: file too large (0.1 MB)]'), post.message);
    assert.ok(gateway.log().includes('"msg":"an attachment is too large to fetch"'));
  });

  test('an attachment URL that cannot be fetched leaves a note, and the text still arrives', async () => {
    const url = `http://127.0.0.1:${prosody.httpPort}/file_share/no-such-slot/missing.png` +
        '?token=secret-in-query';
    await xena.send(xml('message', {type: 'groupchat', to: kRoom, id: 'f-3'},
        xml('body', {}, 'look at this'),
        xml('x', {xmlns: kOob}, xml('url', {}, url))));
    const reflected = await xena.waitFor((s) => s.is('message') && s.attrs.id === 'f-3' &&
        s.attrs.type === 'groupchat');
    const post = await world.client('alice').getPost(stanzaId(reflected));
    assert.deepEqual(post.file_ids ?? [], []);
    assert.equal(post.message, 'look at this\n[missing.png: could not be fetched]');
    // Logged with its path, never with its query string (it may be a credential).
    await eventually(() => gateway.log().includes('"msg":"an attachment could not be fetched"'),
        'the failure to be logged');
    assert.ok(gateway.log().includes('/file_share/no-such-slot/missing.png"'));
    assert.ok(!gateway.log().includes('secret-in-query'));
  });
});
