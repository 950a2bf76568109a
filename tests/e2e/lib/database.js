'use strict';
// The gateway's database seen from a test: SQL for what the API cannot do (ageing a session,
// backdating a post) and for checking that a refused request changed nothing. Users, teams and
// channels are made through the API (lib/users.js, lib/world.js), never here.

const crypto = require('node:crypto');

const {run} = require('./process');

// Runs SQL on the gateway's database; resolves with the rows, each an array of its column
// values as text. Rejects with psql's error when the SQL fails.
async function sql(gateway, text) {
  const result = await run('psql', ['-X', '-q', '-A', '-t', '-F', '\t', '-v', 'ON_ERROR_STOP=1',
    gateway.env.PARLEY_DATABASE_DSN, '-c', text]);
  if (result.code !== 0) throw new Error(`psql failed: ${result.stderr}\n${text}`);
  return result.stdout.split('\n').filter((line) => line !== '').map((line) => line.split('\t'));
}

// The single value of a one-row, one-column query (undefined without rows).
async function scalar(gateway, text) {
  const rows = await sql(gateway, text);
  return rows.length ? rows[0][0] : undefined;
}

// One checksum of all rows per table, as rows [table, md5]: equal before and after a request
// when it changed none of `tables`.
function checksums(gateway, tables) {
  return sql(gateway, tables.map((table) =>
    `SELECT '${table}', md5(COALESCE(string_agg(t::text, ',' ORDER BY t::text), ''))
       FROM ${table} t`).join(' UNION ALL '));
}

// A random id in Mattermost's shape (26 characters of its base32 alphabet), for unknown ids.
function newId() {
  const alphabet = 'ybndrfg8ejkmcpqxot1uwisza345h769';
  return Array.from(crypto.randomBytes(26), (byte) => alphabet[byte % 32]).join('');
}

module.exports = {checksums, newId, scalar, sql};
