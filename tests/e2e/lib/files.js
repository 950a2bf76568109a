'use strict';
// Helpers of the file and webhook tests: a real PNG encoder (node's zlib), files on the
// gateway's disk, and a small world of users, a team and channels written with SQL while the
// team and channel routes are not what is tested.

const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');

const {run} = require('./process');

function crc32(buffer) {
  let crc = 0xFFFFFFFF;
  for (const byte of buffer) {
    crc ^= byte;
    for (let k = 0; k < 8; ++k) crc = (crc >>> 1) ^ (0xEDB88320 & -(crc & 1));
  }
  return (crc ^ 0xFFFFFFFF) >>> 0;
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, crc]);
}

// A width x height 8-bit RGB PNG with a gradient, so that every pixel row differs.
function makePng(width, height) {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; ++y) {
    const row = y * (width * 3 + 1);
    for (let x = 0; x < width; ++x) {
      raw[row + 1 + x * 3] = (x * 255 / Math.max(width - 1, 1)) | 0;
      raw[row + 2 + x * 3] = 64;
      raw[row + 3 + x * 3] = (y * 255 / Math.max(height - 1, 1)) | 0;
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8;  // bit depth
  header[9] = 2;  // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]),
    chunk('IHDR', header),
    chunk('IDAT', zlib.deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// Width and height of a JPEG, from its first SOF0/SOF2 marker.
function jpegSize(buffer) {
  let i = 2;
  while (i + 9 < buffer.length && buffer[i] === 0xFF) {
    const marker = buffer[i + 1];
    if (marker === 0xC0 || marker === 0xC2) {
      return {height: buffer.readUInt16BE(i + 5), width: buffer.readUInt16BE(i + 7)};
    }
    i += 2 + buffer.readUInt16BE(i + 2);
  }
  return null;
}

function sha256(buffer) {
  return crypto.createHash('sha256').update(buffer).digest('hex');
}

// Every regular file under the gateway's file store directory.
function storedFiles(gateway) {
  const root = path.join(gateway.dir, 'files');
  if (!fs.existsSync(root)) return [];
  return fs.readdirSync(root, {recursive: true})
      .filter((name) => fs.statSync(path.join(root, name)).isFile());
}

// Runs SQL on the gateway's database; rejects with psql's output when it fails.
async function sql(gateway, text) {
  const result = await run('psql', ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1',
    gateway.env.PARLEY_DATABASE_DSN, '-c', text]);
  if (result.code !== 0) throw new Error(`psql failed: ${result.stderr}`);
  return result.stdout.trim();
}

function newId() {
  const alphabet = 'ybndrfg8ejkmcpqxot1uwisza345h769';
  let id = '';
  for (const byte of crypto.randomBytes(26)) id += alphabet[byte % 32];
  return id;
}

// After gateway.initAdmin(): users alice and bob (system_user) and gus (system_guest), all with
// the admin's password; team "ops" with alice and gus (as guest); open channel "town-square"
// with alice and gus, open channel "announcements" nobody joined, private channel "secret"
// with alice only. Returns the ids.
async function seedWorld(gateway) {
  const ids = {
    alice: newId(), bob: newId(), gus: newId(), team: newId(),
    townSquare: newId(), announcements: newId(), secret: newId(),
  };
  await sql(gateway, `
    INSERT INTO users (id, username, email, roles, password, create_at, update_at)
    SELECT v.id, v.username, v.username || '@parley.test', v.roles, a.password, 1, 1
    FROM users a, (VALUES ('${ids.alice}', 'alice', 'system_user'),
                          ('${ids.bob}', 'bob', 'system_user'),
                          ('${ids.gus}', 'gus', 'system_guest')) AS v(id, username, roles)
    WHERE a.username = 'admin';
    INSERT INTO teams (id, display_name, name) VALUES ('${ids.team}', 'Ops', 'ops');
    INSERT INTO team_members (team_id, user_id, scheme_user, scheme_guest) VALUES
      ('${ids.team}', '${ids.alice}', true, false), ('${ids.team}', '${ids.gus}', false, true);
    INSERT INTO channels (id, team_id, type, display_name, name) VALUES
      ('${ids.townSquare}', '${ids.team}', 'O', 'Town Square', 'town-square'),
      ('${ids.announcements}', '${ids.team}', 'O', 'Announcements', 'announcements'),
      ('${ids.secret}', '${ids.team}', 'P', 'Secret', 'secret');
    INSERT INTO channel_members (channel_id, user_id, scheme_user, scheme_guest) VALUES
      ('${ids.townSquare}', '${ids.alice}', true, false),
      ('${ids.townSquare}', '${ids.gus}', false, true),
      ('${ids.secret}', '${ids.alice}', true, false);
  `);
  return ids;
}

// Attaches a file to a new post in its channel, as the posts service will do once
// POST /api/v4/posts exists.
async function attachToNewPost(gateway, fileId) {
  const postId = newId();
  await sql(gateway, `
    INSERT INTO posts (id, user_id, channel_id, message)
      SELECT '${postId}', creator_id, channel_id, 'with a file' FROM file_infos
      WHERE id = '${fileId}';
    UPDATE file_infos SET post_id = '${postId}' WHERE id = '${fileId}';`);
  return postId;
}

module.exports = {attachToNewPost, jpegSize, makePng, newId, seedWorld, sha256, sql, storedFiles};
