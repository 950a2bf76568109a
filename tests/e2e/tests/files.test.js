'use strict';
// Files as the official client uploads and reads them (reference/mattermost-api.md §5.7):
// Client4.uploadFile with multipart form data, getFileInfo, and the URLs Client4 builds for
// the bytes, the thumbnail and the preview; who may upload and read; limits and bad input,
// each checked to leave nothing behind (no bytes on disk, no row).

const assert = require('node:assert/strict');
const {after, before, describe, test} = require('node:test');

const {assertClientError} = require('../lib/assert_client_error');
const {scalar} = require('../lib/database');
const {jpegSize, makePng, seedWorld, sha256, storedFiles} = require('../lib/files');
const {Gateway} = require('../lib/gateway');

const kMaxFileSize = 256 * 1024;

function form(channelId, files, clientIds = []) {
  const data = new FormData();
  data.append('channel_id', channelId);
  clientIds.forEach((id) => data.append('client_ids', id));
  for (const {name, bytes, type = 'application/octet-stream'} of files) {
    data.append('files', new Blob([bytes], {type}), name);
  }
  return data;
}

// Client4 10.11 has no getFileInfo(); this is the request Client4's own routes would make.
function getFileInfo(client, fileId) {
  return client.doFetch(`${client.getFileRoute(fileId)}/info`, {method: 'get'});
}

// GET with the client's token, as a browser fetches Client4.getFileUrl().
async function fetchWith(client, url, options = {}) {
  return fetch(url, {...options, headers: {Authorization: `Bearer ${client.getToken()}`,
    ...options.headers}});
}

describe('files with Client4', () => {
  let gateway;
  let ids;
  let alice;
  let bob;
  let gus;
  const fileRows = () => scalar(gateway, 'SELECT count(*) FROM file_infos');

  before(async () => {
    gateway = await Gateway.start({files: `max_file_size: ${kMaxFileSize}B`});
    ({ids, clients: {alice, bob, gus}} = await seedWorld(gateway));
  });
  after(() => gateway?.stop());

  test('an image uploads, describes itself, and downloads intact with thumbnail and preview',
      async () => {
        const png = makePng(400, 300);
        const uploaded = await alice.uploadFile(
            form(ids.townSquare, [{name: 'chart.png', bytes: png, type: 'image/png'}],
                ['client-1']));
        assert.deepEqual(uploaded.client_ids, ['client-1']);
        assert.equal(uploaded.file_infos.length, 1);
        const info = uploaded.file_infos[0];
        assert.match(info.id, /^[a-z0-9]{26}$/);
        assert.equal(info.user_id, (await alice.getMe()).id);
        assert.equal(info.channel_id, ids.townSquare);
        assert.equal(info.name, 'chart.png');
        assert.equal(info.extension, 'png');
        assert.equal(info.mime_type, 'image/png');
        assert.equal(info.size, png.length);
        assert.equal(info.width, 400);
        assert.equal(info.height, 300);
        assert.equal(info.has_preview_image, true);
        assert.equal(info.post_id, undefined, 'not attached yet');
        assert.equal(info.delete_at, 0);
        assert.equal(info.remote_id, null);
        assert.equal(info.archived, false);
        assert.ok(Buffer.from(info.mini_preview, 'base64').subarray(0, 2).equals(
            Buffer.from([0xFF, 0xD8])), 'the mini preview is a JPEG');

        assert.deepEqual(await getFileInfo(alice, info.id), info);
        assert.equal(await scalar(gateway, `SELECT sha256 FROM file_infos WHERE id = '${info.id}'`),
            sha256(png));

        const original = await fetchWith(alice, alice.getFileUrl(info.id, Date.now()));
        assert.equal(original.status, 200);
        assert.equal(original.headers.get('content-type'), 'image/png');
        assert.equal(original.headers.get('content-disposition'),
            'inline;filename="chart.png"; filename*=UTF-8\'\'chart.png');
        assert.equal(original.headers.get('x-frame-options'), 'DENY');
        assert.equal(original.headers.get('content-security-policy'), 'Frame-ancestors \'none\'');
        assert.equal(original.headers.get('x-content-type-options'), 'nosniff');
        assert.equal(original.headers.get('cache-control'), 'private, max-age=86400');
        assert.equal(sha256(Buffer.from(await original.arrayBuffer())), sha256(png));

        const head = await fetchWith(alice, alice.getFileUrl(info.id), {method: 'HEAD'});
        assert.equal(head.status, 200);
        assert.equal(head.headers.get('content-length'), String(png.length));

        const forced = await fetchWith(alice, `${alice.getFileUrl(info.id)}?download=1`);
        assert.match(forced.headers.get('content-disposition'), /^attachment;/);

        const thumbnail = await fetchWith(alice, alice.getFileThumbnailUrl(info.id, Date.now()));
        assert.equal(thumbnail.status, 200);
        assert.equal(thumbnail.headers.get('content-type'), 'image/jpeg');
        const thumbSize = jpegSize(Buffer.from(await thumbnail.arrayBuffer()));
        assert.deepEqual(thumbSize, {width: 120, height: 90});

        const preview = await fetchWith(alice, alice.getFilePreviewUrl(info.id, Date.now()));
        assert.equal(preview.status, 200);
        assert.deepEqual(jpegSize(Buffer.from(await preview.arrayBuffer())),
            {width: 400, height: 300});
      });

  test('several files in one request; text and HTML are downloads, never rendered', async () => {
    const html = '<!DOCTYPE html>\n<html><body><script>alert(1)</script></body></html>\n';
    const uploaded = await alice.uploadFile(form(ids.townSquare, [
      {name: 'notes.txt', bytes: 'remember the milk\n'},
      {name: 'page.html', bytes: html},
      {name: 'Ünïcode; name (1).txt', bytes: 'x\n'},
    ]));
    assert.deepEqual(uploaded.client_ids, []);
    const [text, page, unicode] = uploaded.file_infos;
    assert.equal(text.mime_type, 'text/plain');
    assert.equal(text.has_preview_image, undefined);
    assert.equal(text.width, undefined);
    assert.equal(page.mime_type, 'text/html');
    assert.equal(unicode.name, 'Ünïcode; name (1).txt');

    const served = await fetchWith(alice, alice.getFileUrl(page.id));
    assert.equal(served.headers.get('content-type'), 'text/plain');
    assert.match(served.headers.get('content-disposition'), /^attachment;filename="page.html"/);
    assert.equal(await served.text(), html);

    const named = await fetchWith(alice, alice.getFileUrl(unicode.id));
    assert.equal(named.headers.get('content-disposition'),
        'attachment;filename="%C3%9Cn%C3%AFcode%3B%20name%20%281%29.txt"; ' +
        'filename*=UTF-8\'\'%C3%9Cn%C3%AFcode%3B%20name%20%281%29.txt');

    for (const [url, id] of [[alice.getFileThumbnailUrl(text.id), 'no_thumbnail'],
      [alice.getFilePreviewUrl(text.id), 'no_preview']]) {
      const response = await fetchWith(alice, url);
      assert.equal(response.status, 400);
      assert.match((await response.json()).id,
          new RegExp(`^api\\.file\\.get_file_(thumbnail|preview)\\.${id}\\.app_error$`));
    }
  });

  test('the raw-body form with ?channel_id=&filename= works too', async () => {
    const bytes = Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n', 'latin1');
    const response = await fetchWith(alice,
        `${gateway.url}/api/v4/files?channel_id=${ids.townSquare}&filename=report.pdf&client_id=c9`,
        {method: 'POST', body: bytes});
    assert.equal(response.status, 201);
    const body = await response.json();
    assert.deepEqual(body.client_ids, ['c9']);
    assert.equal(body.file_infos[0].mime_type, 'application/pdf');
    assert.equal(body.file_infos[0].name, 'report.pdf');
  });

  test('over the size limit: 413 and nothing stored', async () => {
    const rows = await fileRows();
    const onDisk = storedFiles(gateway).length;
    const big = Buffer.alloc(kMaxFileSize + 1, 0x61);
    await assertClientError(
        alice.uploadFile(form(ids.townSquare, [{name: 'small.txt', bytes: 'ok'},
          {name: 'big.txt', bytes: big}])),
        {status: 413, id: 'api.file.upload_file.too_large_detailed.app_error'});
    const raw = await fetchWith(alice,
        `${gateway.url}/api/v4/files?channel_id=${ids.townSquare}&filename=big.txt`,
        {method: 'POST', body: big});
    assert.equal(raw.status, 413);
    assert.equal((await raw.json()).id, 'api.file.upload_file.too_large_detailed.app_error');
    assert.equal(await fileRows(), rows);
    assert.equal(storedFiles(gateway).length, onDisk);
  });

  test('bad input: 400 with Mattermost\'s ids and nothing stored', async () => {
    const rows = await fileRows();
    const onDisk = storedFiles(gateway).length;
    await assertClientError(alice.uploadFile(form('not-an-id', [{name: 'a.txt', bytes: 'a'}])),
        {status: 400, id: 'api.context.invalid_url_param.app_error'});
    await assertClientError(
        alice.uploadFile(form(ids.townSquare, [{name: 'a.txt', bytes: 'a'},
          {name: 'b.txt', bytes: 'b'}], ['only-one'])),
        {status: 400, id: 'api.file.upload_file.incorrect_number_of_client_ids.app_error'});
    const truncated = await fetchWith(alice, `${gateway.url}/api/v4/files`, {
      method: 'POST',
      headers: {'Content-Type': 'multipart/form-data; boundary=xyz'},
      body: `--xyz\r\nContent-Disposition: form-data; name="channel_id"\r\n\r\n${ids.townSquare}` +
        '\r\n--xyz\r\nContent-Disposition: form-data; name="files"; filename="a.txt"\r\n\r\nabc',
    });
    assert.equal(truncated.status, 400);
    assert.equal((await truncated.json()).id, 'api.file.upload_file.read_request.app_error');
    const noFilename = await fetchWith(alice,
        `${gateway.url}/api/v4/files?channel_id=${ids.townSquare}`, {method: 'POST', body: 'x'});
    assert.equal(noFilename.status, 400);
    assert.equal((await noFilename.json()).id, 'api.context.invalid_url_param.app_error');
    await assertClientError(getFileInfo(alice, 'bad-id'),
        {status: 400, id: 'api.context.invalid_url_param.app_error'});
    await assertClientError(getFileInfo(alice, 'nosuchfileyyyyyyyyyyyyyyyy'),
        {status: 404, id: 'app.file_info.get.app_error'});
    assert.equal(await fileRows(), rows);
    assert.equal(storedFiles(gateway).length, onDisk);
  });

  test('only readers of the channel read a file; uploads need upload_file there', async () => {
    const rows = await fileRows();
    const denied = {status: 403, id: 'api.context.permissions.app_error'};
    const file = (name) => [{name, bytes: `${name}\n`}];
    // bob is in no team; gus is a guest in town-square only.
    await assertClientError(bob.uploadFile(form(ids.townSquare, file('b.txt'))), denied);
    await assertClientError(gus.uploadFile(form(ids.announcements, file('g.txt'))), denied);
    await assertClientError(gus.uploadFile(form(ids.secret, file('g.txt'))), denied);
    await assertClientError(alice.uploadFile(form('nosuchchannelyyyyyyyyyyyyy', file('a.txt'))),
        {status: 404, id: 'app.channel.get.existing.app_error'});
    assert.equal(await fileRows(), rows);

    const guestUpload = await gus.uploadFile(form(ids.townSquare, file('guest.txt')));
    assert.equal(guestUpload.file_infos[0].user_id, (await gus.getMe()).id);

    const [secret] = (await alice.uploadFile(form(ids.secret, file('secret.txt')))).file_infos;
    const [open] = (await alice.uploadFile(form(ids.townSquare, file('open.txt')))).file_infos;
    // Not attached yet: only the creator.
    await assertClientError(getFileInfo(gus, open.id), denied);
    await alice.createPost({channel_id: ids.townSquare, message: 'open', file_ids: [open.id]});
    await alice.createPost({channel_id: ids.secret, message: 'secret', file_ids: [secret.id]});
    assert.equal((await getFileInfo(gus, open.id)).id, open.id);
    assert.equal((await fetchWith(gus, gus.getFileUrl(open.id))).status, 200);
    await assertClientError(getFileInfo(bob, open.id), denied);
    await assertClientError(getFileInfo(gus, secret.id), denied);
    await assertClientError(getFileInfo(bob, secret.id), denied);
    const bobDownload = await fetchWith(bob, bob.getFileUrl(secret.id));
    assert.equal(bobDownload.status, 403);
    assert.equal((await getFileInfo(alice, secret.id)).post_id !== undefined, true);
  });

  test('no session, no file; public links are disabled', async () => {
    const [info] = (await alice.uploadFile(form(ids.townSquare, [{name: 'l.txt', bytes: 'l'}])))
        .file_infos;
    await assertClientError(getFileInfo(gateway.client(), info.id),
        {status: 401, id: 'api.context.session_expired.app_error'});
    const anonymous = await fetch(alice.getFileUrl(info.id));
    assert.equal(anonymous.status, 401);
    await assertClientError(alice.getFilePublicLink(info.id),
        {status: 403, id: 'api.file.get_public_link.disabled.app_error'});
  });
});
