'use strict';
// Helpers of the file and webhook tests: a real PNG encoder (node's zlib), files on the
// gateway's disk, and their small world of users, a team and channels (made through the API,
// lib/world.js).

const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');

const {buildWorld} = require('./world');

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

// The first admin, users alice and bob (system_user) and gus (system_guest); team "ops"
// made by alice (its team admin) with gus as guest; open channel "town-square" with alice and
// gus, open channel "announcements" nobody is in, private channel "secret" with alice only.
// Resolves with the ids and a logged-in Client4 per user:
// {ids: {alice, bob, gus, team, townSquare, announcements, secret}, clients: {alice, bob, gus}}.
async function seedWorld(gateway) {
  const world = await buildWorld(gateway, {
    users: {alice: 'system_user', bob: 'system_user', gus: 'system_guest'},
    teams: {ops: ['alice', 'gus']},
    channels: {
      townSquare: {team: 'ops', name: 'town-square', members: ['alice', 'gus']},
      announcements: {team: 'ops', name: 'announcements', members: []},
      secret: {team: 'ops', name: 'secret', type: 'P', members: ['alice']},
    },
  });
  const {users, teams, channels} = world;
  return {
    ids: {alice: users.alice.id, bob: users.bob.id, gus: users.gus.id, team: teams.ops,
      ...channels},
    clients: {alice: users.alice.client, bob: users.bob.client, gus: users.gus.client},
  };
}

// The multipart form of POST /files: one file `name` with `bytes` for `channelId`.
function filesForm(channelId, name, bytes) {
  const form = new FormData();
  form.append('channel_id', channelId);
  form.append('files', new Blob([bytes]), name);
  return form;
}

module.exports = {filesForm, jpegSize, makePng, seedWorld, sha256, storedFiles};
