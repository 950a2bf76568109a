'use strict';
// Media over the Matrix bridge, end to end: a real parleyd + PostgreSQL as the Application
// Service of the fake homeserver (lib/fake_homeserver.js, its media repository written from the
// specification), Mattermost users on Client4.
//
// Mattermost -> Matrix: each file of a post is uploaded by the author's puppet and sent as an
// event of its own (m.image / m.file ... by type; the text first), every event in the id map;
// a file larger than the homeserver's m.upload.size (or refused with 413 M_TOO_LARGE) is a link
// to Parley's signed URL of it; a file file.egress denies is withheld with the placeholder.
// Matrix -> Mattermost: the media of an event is downloaded (authenticated v1 route, or the
// legacy v3 one on an older server) and becomes the puppet's file; a caption is the post's
// text; a file above bridges.matrix.max_file_size, or an encrypted one, is a note.

const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const {after, before, describe, test} = require('node:test');

const {filesForm, makePng, sha256} = require('../lib/files');
const {call} = require('../lib/policy');
const {kServerName, startMatrix, until} = require('../lib/matrix');
const {openFilesBundle} = require('../lib/policy_enforcement');
const {buildWorld} = require('../lib/world');

const kBob = '@bob:hs.test';
const kHsLimit = 256 * 1024;      // the homeserver's m.upload.size
const kMaxEgress = 512 * 1024;    // file.egress permits files up to this size
const kMaxFetch = 64 * 1024;      // bridges.matrix.max_file_size
const kWithheld = '[attachment withheld by policy]';
const kBundle = openFilesBundle('e2e-matrix-media', 'matrix', kServerName, kMaxEgress,
    kWithheld);

// A homeserver (hsOptions) and a parleyd whose town-square is linked to #town:hs.test.
async function startMediaBridge(hsOptions) {
  let room;
  const {hs, gateway, context: world} = await startMatrix({
    bundle: kBundle,
    hsOptions,
    matrix: `max_file_size: ${kMaxFetch}`,
    siteUrl: true,
    setup: async (gw, server) => {
      const built = await buildWorld(gw, {
        users: {alice: 'system_user'},
        teams: {ops: ['admin', 'alice']},
        channels: {town: {team: 'ops', name: 'town-square', members: ['admin', 'alice']}},
      });
      server.registerUser(kBob, 'Bob B');
      room = server.createRoom({creator: kBob, alias: '#town:hs.test'});
      return built;
    },
    links: () => ['{channel: ops/town-square, bridge: matrix, remote: "#town:hs.test"}'],
  });
  const alice = world.client('alice');
  return {
    hs, gateway, world, alice, room, until,
    // alice's post with these files ([name, bytes]); resolves with the post.
    async post(message, files) {
      const ids = [];
      for (const [name, bytes] of files) {
        ids.push((await alice.uploadFile(filesForm(world.channels.town, name, bytes))).file_infos[0].id);
      }
      return alice.createPost({channel_id: world.channels.town, message, file_ids: ids});
    },
    // The events of the room sent as alice's puppet whose txn id belongs to no earlier post:
    // waits for `count` of them after `since` (an index into the timeline).
    async puppetEvents(since, count, what) {
      return hs.waitFor(() => {
        const events = hs.timeline(room).slice(since).filter((e) => e.type === 'm.room.message' &&
            e.sender === '@mm_alice:hs.test');
        return events.length >= count ? events : null;
      }, what);
    },
    // The post the puppet of `sender` made for the Matrix event `eventId`, once it is there.
    async inboundPost(predicate, what) {
      return until(async () => {
        const list = await alice.getPosts(world.channels.town, 0, 60);
        return list.order.map((id) => list.posts[id]).find(predicate);
      }, what);
    },
    // The bytes of a local file as Client4 downloads them.
    async fileBytes(fileId) {
      const got = await fetch(alice.getFileUrl(fileId, 0),
          {headers: {Authorization: `Bearer ${alice.getToken()}`}});
      assert.equal(got.status, 200);
      return Buffer.from(await got.arrayBuffer());
    },
  };
}

describe('matrix bridge: media both ways', () => {
  let b;

  before(async () => {
    b = await startMediaBridge({maxUploadBytes: kHsLimit});
  });

  after(async () => {
    await b?.gateway?.stop();
    await b?.hs?.stop();
  });

  test('an image goes as m.image the puppet uploaded, after the text, intact', async () => {
    const png = makePng(40, 30);
    const since = b.hs.timeline(b.room).length;
    await b.post('the chart', [['chart.png', png]]);
    const [text, image] = await b.puppetEvents(since, 2, 'the text and the image');
    assert.equal(text.content.msgtype, 'm.text');
    assert.equal(text.content.body, 'the chart');
    assert.equal(image.content.msgtype, 'm.image');
    assert.equal(image.content.body, 'chart.png');
    assert.equal(image.content.filename, 'chart.png');
    assert.deepEqual(image.content.info, {mimetype: 'image/png', size: png.length, w: 40, h: 30});
    const media = b.hs.mediaOf(image.content.url);
    assert.ok(media, `no media for ${image.content.url}`);
    assert.equal(sha256(media.bytes), sha256(png));
    assert.equal(media.contentType, 'image/png');
    assert.equal(media.filename, 'chart.png');
    assert.equal(media.uploader, '@mm_alice:hs.test', 'uploaded as the puppet');
    // The homeserver's limit was read from the authenticated config route.
    assert.ok(b.hs.requests.some((r) => r.path === '_matrix/client/v1/media/config'));
  });

  test('a file alone is one m.file event with its type, intact', async () => {
    const notes = Buffer.from('meeting notes\n'.repeat(40));
    const since = b.hs.timeline(b.room).length;
    await b.post('', [['notes.txt', notes]]);
    const [file] = await b.puppetEvents(since, 1, 'the file');
    assert.equal(file.content.msgtype, 'm.file');
    assert.equal(file.content.body, 'notes.txt');
    assert.equal(file.content.info.mimetype.split(';')[0], 'text/plain');
    assert.equal(file.content.info.size, notes.length);
    assert.equal(sha256(b.hs.mediaOf(file.content.url).bytes), sha256(notes));
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(b.hs.timeline(b.room).slice(since).filter((e) => e.type === 'm.room.message' &&
        e.sender === '@mm_alice:hs.test').length, 1, 'no text event for a post without text');
  });

  test('a post with two files is three events, and its deletion redacts all three', async () => {
    const since = b.hs.timeline(b.room).length;
    const post = await b.post('two files', [['a.png', makePng(8, 8)], ['b.txt', Buffer.from('bee\n')]]);
    const events = await b.puppetEvents(since, 3, 'three events');
    assert.deepEqual(events.map((e) => e.content.msgtype), ['m.text', 'm.image', 'm.file']);
    assert.deepEqual(events.map((e) => e.content.body), ['two files', 'a.png', 'b.txt']);
    await b.alice.deletePost(post.id);
    await b.hs.waitFor(() => events.every((e) => e.redacted), 'every part redacted');
    const redactions = b.hs.timeline(b.room).slice(since).filter((e) => e.type === 'm.room.redaction');
    assert.deepEqual(redactions.map((r) => r.redacts).sort(), events.map((e) => e.event_id).sort());
  });

  test('a file above the homeserver\'s m.upload.size is a link that serves the same bytes', async () => {
    const big = crypto.randomBytes(kHsLimit + 40 * 1024);
    const since = b.hs.timeline(b.room).length;
    const uploadsBefore = b.hs.media.size;
    await b.post('the dump', [['dump.bin', big]]);
    const [, link] = await b.puppetEvents(since, 2, 'the text and the link');
    assert.equal(link.content.msgtype, 'm.text');
    const url = link.content.body.match(/(http:\/\/\S+)$/)?.[1];
    assert.ok(url && url.includes('/api/v4/parley/bridge_files/'), link.content.body);
    assert.ok(link.content.body.startsWith('dump.bin (296 KB): '), link.content.body);
    assert.ok(link.content.formatted_body.includes('>dump.bin</a>'), link.content.formatted_body);
    assert.equal(b.hs.media.size, uploadsBefore, 'nothing uploaded: the limit was known');
    const got = await fetch(url);
    assert.equal(got.status, 200);
    assert.equal(sha256(Buffer.from(await got.arrayBuffer())), sha256(big));
  });

  test('a file the policy keeps from Matrix is withheld with the placeholder, and audited', async () => {
    const small = Buffer.from('small enough\n');
    const large = crypto.randomBytes(kMaxEgress + 1);
    const since = b.hs.timeline(b.room).length;
    const post = await b.post('one of two', [['small.txt', small], ['large.bin', large]]);
    const [text, file] = await b.puppetEvents(since, 2, 'the text and the permitted file');
    assert.equal(text.content.body, `one of two\n${kWithheld}`);
    assert.equal(file.content.body, 'small.txt');
    await new Promise((resolve) => setTimeout(resolve, 800));
    assert.equal(b.hs.timeline(b.room).slice(since).filter((e) => e.type === 'm.room.message' &&
        e.sender === '@mm_alice:hs.test').length, 2, 'the withheld file is not sent');
    const largeId = (await b.alice.getFileInfosForPost(post.id)).find((f) => f.name === 'large.bin').id;
    const admin = b.world.client('admin');
    await b.until(async () => (await call(admin, 'GET', '/parley/audit?action=file.egress&decision=deny'))
        .some((r) => r.resource === `file:${largeId}`), 'the file.egress denial to be audited');
  });

  test('a Matrix image with a caption: the caption is the post, the image its file, intact', async () => {
    const png = makePng(32, 16);
    const url = b.hs.uploadMedia(png, 'image/png', 'cat.png', kBob);
    const downloads = b.hs.downloads.length;
    b.hs.send(kBob, b.room, {msgtype: 'm.image', body: 'our cat', filename: 'cat.png', url,
      format: 'org.matrix.custom.html', formatted_body: 'our <b>cat</b>',
      info: {mimetype: 'image/png', size: png.length, w: 32, h: 16}});
    const post = await b.inboundPost((p) => p.message === 'our **cat**', 'the captioned post');
    assert.equal(post.file_ids.length, 1);
    const info = post.metadata.files[0];
    assert.equal(info.name, 'cat.png');
    assert.equal(info.mime_type, 'image/png');
    assert.equal(info.size, png.length);
    assert.equal(info.user_id, post.user_id);
    assert.equal((await b.alice.getUser(post.user_id)).username, 'bob:hs.test');
    assert.equal(sha256(await b.fileBytes(post.file_ids[0])), sha256(png));
    // Downloaded once, through the authenticated route.
    assert.deepEqual(b.hs.downloads.slice(downloads).map((d) => [d.route, d.status]), [['v1', 200]]);
  });

  test('a Matrix file without a caption is the file alone, its name not repeated as text', async () => {
    const bytes = Buffer.from('plain report\n'.repeat(10));
    const url = b.hs.uploadMedia(bytes, 'text/plain', 'report.txt', kBob);
    const eventId = b.hs.send(kBob, b.room, {msgtype: 'm.file', body: 'report.txt', url,
      info: {mimetype: 'text/plain', size: bytes.length}});
    const post = await b.inboundPost((p) => p.metadata?.files?.[0]?.name === 'report.txt',
        'the file post');
    assert.equal(post.message, '');
    assert.equal(sha256(await b.fileBytes(post.file_ids[0])), sha256(bytes));
    assert.ok(eventId);
  });

  test('a Matrix file above bridges.matrix.max_file_size: the post says so, without the file', async () => {
    const bytes = crypto.randomBytes(kMaxFetch + 40 * 1024);
    const url = b.hs.uploadMedia(bytes, 'application/octet-stream', 'big.bin', kBob);
    b.hs.send(kBob, b.room, {msgtype: 'm.file', body: 'the big one', filename: 'big.bin', url,
      info: {mimetype: 'application/octet-stream', size: bytes.length}});
    const post = await b.inboundPost((p) => p.message.startsWith('the big one'), 'the post');
    assert.equal(post.message, 'the big one\n[big.bin: file too large (0.1 MB)]');
    assert.deepEqual(post.file_ids ?? [], []);
  });

  test('an encrypted Matrix file is a note: Parley cannot read it', async () => {
    b.hs.send(kBob, b.room, {msgtype: 'm.image', body: 'secret.png', info: {mimetype: 'image/png'},
      file: {url: 'mxc://hs.test/encryptedBlob', v: 'v2', iv: 'w+sE15fzSc0AAAAAAAAAAA',
        key: {alg: 'A256CTR', ext: true, k: 'qcHVMSgYg-71CauWBezXI5qkaRb0LuIy-Wx5kIaHMIA',
          key_ops: ['encrypt', 'decrypt'], kty: 'oct'},
        hashes: {sha256: 'fdSLu/YkRx3Wyh3KQabP3rd6+SFiKg5lsJZQHtkSAYA'}}});
    const post = await b.inboundPost((p) => p.message.includes('secret.png'), 'the note');
    assert.equal(post.message, '[secret.png: encrypted, not bridged]');
    assert.deepEqual(post.file_ids ?? [], []);
  });
});

describe('matrix bridge: media on a homeserver without authenticated media', () => {
  let b;

  before(async () => {
    // Before Matrix 1.11: no /_matrix/client/v1/media routes; this one names no upload limit.
    b = await startMediaBridge({media: 'legacy', maxUploadBytes: kMaxFetch,
      advertiseUploadLimit: false});
  });

  after(async () => {
    await b?.gateway?.stop();
    await b?.hs?.stop();
  });

  test('a Matrix image is downloaded from the legacy route, intact', async () => {
    const png = makePng(20, 20);
    const url = b.hs.uploadMedia(png, 'image/png', 'old.png', kBob);
    b.hs.send(kBob, b.room, {msgtype: 'm.image', body: 'from an old server', filename: 'old.png',
      url, info: {mimetype: 'image/png', size: png.length}});
    const post = await b.inboundPost((p) => p.message === 'from an old server', 'the post');
    assert.equal(sha256(await b.fileBytes(post.file_ids[0])), sha256(png));
    assert.deepEqual(b.hs.downloads.map((d) => [d.route, d.status]), [['v3', 200]]);
  });

  test('uploads work, and a file the server refuses with 413 M_TOO_LARGE goes as a link', async () => {
    const small = Buffer.from('fits\n');
    const big = crypto.randomBytes(kMaxFetch + 1024);
    const since = b.hs.timeline(b.room).length;
    await b.post('', [['fits.txt', small], ['big.bin', big]]);
    const [file, link] = await b.puppetEvents(since, 2, 'the file and the link');
    assert.equal(sha256(b.hs.mediaOf(file.content.url).bytes), sha256(small));
    assert.equal(link.content.msgtype, 'm.text');
    const url = link.content.body.match(/(http:\/\/\S+)$/)?.[1];
    assert.equal(sha256(Buffer.from(await (await fetch(url)).arrayBuffer())), sha256(big));
    // The limit was asked for on the legacy config route (v1 is unknown there).
    assert.ok(b.hs.requests.some((r) => r.path === '_matrix/media/v3/config'));
  });
});
