'use strict';
// The audit log (issue 5): system admins query it, export it as JSON lines that verify offline
// (each record's chain_hash is sha256 of the previous one and the record's canonical JSON), and
// ask whether the chain is intact; a row changed behind parleyd's back is found. Records come
// from attribute changes, which the attribute routes audit (the decision engine is a later wave).

const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const {after, before, describe, test} = require('node:test');

const {assertClientError} = require('../lib/assert_client_error');
const {sql} = require('../lib/database');
const {Gateway} = require('../lib/gateway');
const {call} = require('../lib/policy');
const {createUser, firstAdmin} = require('../lib/users');

// The canonical JSON the chain hashes: keys sorted at every level, no whitespace.
function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value).sort()
        .map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function expectedHash(record) {
  const {prev_chain_hash: previous, chain_hash: _, ...fields} = record;
  return crypto.createHash('sha256').update(Buffer.from(previous, 'hex'))
      .update(canonical(fields)).digest('hex');
}

async function exportLines(gateway, token, query = '') {
  const response = await fetch(`${gateway.url}/api/v4/parley/audit/export${query}`,
      {headers: {Authorization: `Bearer ${token}`}});
  const text = await response.text();
  return {response, text};
}

describe('audit log', () => {
  let gateway;
  let admin;
  let alice;
  let field;
  before(async () => {
    gateway = await Gateway.start();
    admin = await firstAdmin(gateway);
    alice = await createUser(gateway, {username: 'alice'});
    // Records: a field creation, a value update (permit), and alice's refused attempt (deny).
    field = await admin.client.createCustomProfileAttributeField({name: 'clearance', type: 'text'});
    await call(admin.client, 'PATCH', `/users/${alice.id}/custom_profile_attributes`,
        {[field.id]: 'SECRET'});
    await alice.client.updateCustomProfileAttributeValues({[field.id]: 'TOP SECRET'})
        .catch(() => null);
  });
  after(() => gateway?.stop());

  test('admins query the log, newest first, with filters and paging', async () => {
    const records = await call(admin.client, 'GET', '/parley/audit');
    assert.deepEqual(records.map((r) => [r.action, r.decision]), [
      ['attributes.user.update', 'deny'],
      ['attributes.user.update', 'permit'],
      ['attributes.field.create', 'permit'],
    ]);
    const [denied, permitted] = records;
    assert.equal(denied.subject, alice.id);
    assert.equal(denied.resource, `user:${alice.id}`);
    assert.deepEqual(denied.detail, {reason: 'own_attributes'});
    assert.deepEqual(permitted.detail, {values: {clearance: 'SECRET'}});
    assert.deepEqual(permitted.rules, []);
    assert.deepEqual(permitted.obligations, []);
    assert.equal(permitted.subject, admin.id);
    assert.ok(permitted.time > 0);
    assert.match(permitted.chain_hash, /^[0-9a-f]{64}$/);

    const ids = (rows) => rows.map((r) => r.id);
    assert.deepEqual(ids(await call(admin.client, 'GET', '/parley/audit?decision=deny')),
        [denied.id]);
    assert.deepEqual(ids(await call(admin.client, 'GET',
        `/parley/audit?subject=${admin.id}&action=attributes.user.update`)), [permitted.id]);
    assert.deepEqual(ids(await call(admin.client, 'GET', '/parley/audit?page=1&per_page=2')),
        [records[2].id]);
    assert.deepEqual(ids(await call(admin.client, 'GET',
        `/parley/audit?since=${permitted.time}&until=${permitted.time}&action=attributes.user.update`)),
    ids(records.filter((r) => r.time === permitted.time && r.action === 'attributes.user.update')));
    assert.deepEqual(await call(admin.client, 'GET', '/parley/audit?since=99999999999999'), []);

    for (const bad of ['decision=maybe', 'since=-1', 'until=soon', `subject=${'s'.repeat(513)}`]) {
      await assertClientError(call(admin.client, 'GET', `/parley/audit?${bad}`),
          {status: 400, id: 'api.context.invalid_url_param.app_error'});
    }
  });

  test('the export is JSON lines that verify offline, page by page', async () => {
    const {response, text} = await exportLines(gateway, admin.token);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type'), /^application\/x-ndjson/);
    assert.ok(text.endsWith('\n'));
    const lines = text.trimEnd().split('\n').map((line) => JSON.parse(line));
    assert.equal(lines.length, 3);
    assert.equal(lines[0].prev_chain_hash, '');
    for (let i = 0; i < lines.length; ++i) {
      assert.equal(lines[i].chain_hash, expectedHash(lines[i]), `record ${lines[i].id}`);
      if (i > 0) assert.equal(lines[i].prev_chain_hash, lines[i - 1].chain_hash);
    }
    assert.equal(response.headers.get('x-parley-next-after-id'), null);

    const first = await exportLines(gateway, admin.token, '?limit=2');
    assert.equal(first.text.trimEnd().split('\n').length, 2);
    const next = first.response.headers.get('x-parley-next-after-id');
    assert.equal(next, String(lines[1].id));
    const rest = await exportLines(gateway, admin.token, `?after_id=${next}`);
    assert.deepEqual(rest.text.trimEnd().split('\n').map((line) => JSON.parse(line)), [lines[2]]);

    const bad = await exportLines(gateway, admin.token, '?since=yesterday');
    assert.equal(bad.response.status, 400);
    assert.equal(JSON.parse(bad.text).id, 'api.context.invalid_url_param.app_error');
  });

  test('only system admins read the audit log', async () => {
    for (const path of ['/parley/audit', '/parley/audit/verify']) {
      await assertClientError(call(alice.client, 'GET', path),
          {status: 403, id: 'api.context.permissions.app_error'});
      await assertClientError(call(gateway.client(), 'GET', path),
          {status: 401, id: 'api.context.session_expired.app_error'});
    }
    const {response, text} = await exportLines(gateway, alice.token);
    assert.equal(response.status, 403);
    assert.equal(JSON.parse(text).id, 'api.context.permissions.app_error');
  });

  test('verify reports an intact chain, and finds a row changed behind parleyd\'s back',
      async () => {
        const intact = await call(admin.client, 'GET', '/parley/audit/verify');
        const records = await call(admin.client, 'GET', '/parley/audit');
        assert.deepEqual(intact, {intact: true, checked: records.length, last_id: records[0].id,
          last_chain_hash: records[0].chain_hash, broken_id: 0, reason: ''});

        // The table refuses changes, even from its owner...
        await assert.rejects(sql(gateway, 'UPDATE audit_log SET decision = \'permit\''),
            /append-only/);
        // ...unless a superuser disables the trigger first.
        const target = records[records.length - 1].id;
        await sql(gateway, `ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete;
          UPDATE audit_log SET subject = 'someone else' WHERE id = ${target};
          ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update_delete;`);
        const broken = await call(admin.client, 'GET', '/parley/audit/verify');
        assert.equal(broken.intact, false);
        assert.equal(broken.broken_id, target);
        assert.match(broken.reason, /does not match its chain hash/);
      });
});
