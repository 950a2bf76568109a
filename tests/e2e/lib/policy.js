'use strict';
// Policy attributes and the audit log from a test: raw API calls that Client4 has no method for
// (made through its doFetch, so that failures are ClientErrors), and snapshots of the tables
// they write, for "nothing changed" checks.

const {checksums} = require('./database');

// `client`'s call of `method` on /api/v4`path` with a JSON body; resolves with the parsed reply.
function call(client, method, path, body) {
  return client.doFetch(`${client.getBaseRoute()}${path}`,
      {method, body: body === undefined ? undefined : JSON.stringify(body)});
}

// Every table the attribute routes write, and the audit log.
function policySnapshot(gateway) {
  return checksums(gateway, ['property_fields', 'property_values', 'channel_policy_attributes',
    'audit_log']);
}

module.exports = {call, policySnapshot};
