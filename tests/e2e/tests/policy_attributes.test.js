'use strict';
// Policy attributes (issue 5): Mattermost's custom profile attributes through the official
// Client4 (fields CRUD, values per user) with Parley's rule that only system admins set them and
// nobody sets their own, and the channel policy attributes that only system admins set.

const assert = require('node:assert/strict');
const {after, before, describe, test} = require('node:test');

const {assertClientError} = require('../lib/assert_client_error');
const {checksums, newId} = require('../lib/database');
const {Gateway} = require('../lib/gateway');
const {call} = require('../lib/policy');
const {createUser} = require('../lib/users');
const {buildWorld} = require('../lib/world');

// The attribute tables only: refused value writes are audited, so audit_log does change.
function attributeTables(gateway) {
  return checksums(gateway, ['property_fields', 'property_values', 'channel_policy_attributes']);
}

async function assertNothingChanged(gateway, action) {
  const before = await attributeTables(gateway);
  await action();
  assert.deepEqual(await attributeTables(gateway), before, 'the refused call changed attributes');
}

describe('custom profile attributes', () => {
  let gateway;
  let world;
  let admin;
  let alice;
  let bob;
  before(async () => {
    gateway = await Gateway.start();
    world = await buildWorld(gateway, {
      users: {alice: 'system_user', bob: 'system_user'},
      teams: {ops: ['admin', 'alice', 'bob']},
      channels: {secret: {team: 'ops', name: 'secret', type: 'P', members: ['alice']}},
    });
    ({admin, alice, bob} = world.users);
  });
  after(() => gateway?.stop());

  test('an admin defines fields and sets a user\'s values; everyone who sees the user reads them',
      async () => {
        const clearance = await admin.client.createCustomProfileAttributeField(
            {name: 'clearance', type: 'text', attrs: {sort_order: 2}});
        assert.equal(clearance.name, 'clearance');
        assert.equal(clearance.type, 'text');
        assert.equal(clearance.attrs.visibility, 'when_set');
        assert.equal(clearance.delete_at, 0);
        assert.match(clearance.id, /^[a-z0-9]{26}$/);
        const nationality = await admin.client.createCustomProfileAttributeField({name: 'nationality',
          type: 'select', attrs: {sort_order: 1, options: [{name: 'GBR'}, {name: 'USA'}]}});
        assert.equal(nationality.attrs.options.length, 2);
        const gbr = nationality.attrs.options.find((option) => option.name === 'GBR').id;
        assert.match(gbr, /^[a-z0-9]{26}$/);

        const fields = await alice.client.getCustomProfileAttributeFields();
        assert.deepEqual(fields.map((field) => field.name), ['nationality', 'clearance']);

        const written = await call(admin.client, 'PATCH',
            `/users/${alice.id}/custom_profile_attributes`,
            {[clearance.id]: ' SECRET REL GBR ', [nationality.id]: gbr});
        assert.deepEqual(written, {[clearance.id]: 'SECRET REL GBR', [nationality.id]: gbr});

        for (const reader of [alice, bob, admin]) {
          assert.deepEqual(await reader.client.getUserCustomProfileAttributesValues(alice.id),
              {[clearance.id]: 'SECRET REL GBR', [nationality.id]: gbr});
        }
        assert.deepEqual(await bob.client.getUserCustomProfileAttributesValues(bob.id), {});

        const renamed = await admin.client.patchCustomProfileAttributeField(clearance.id,
            {name: 'Clearance'});
        assert.equal(renamed.name, 'Clearance');
        assert.equal(renamed.attrs.sort_order, 2);

        await admin.client.deleteCustomProfileAttributeField(nationality.id);
        assert.deepEqual((await admin.client.getCustomProfileAttributeFields())
            .map((field) => field.name), ['Clearance']);
        assert.deepEqual(await alice.client.getUserCustomProfileAttributesValues(alice.id),
            {[clearance.id]: 'SECRET REL GBR'});
      });

  test('nobody sets their own attributes, not even an admin; users set nobody\'s', async () => {
    const field = await admin.client.createCustomProfileAttributeField(
        {name: 'missions', type: 'multiselect', attrs: {options: [{name: 'NORTHWIND'}]}});
    const northwind = field.attrs.options[0].id;
    const value = {[field.id]: [northwind]};
    await assertNothingChanged(gateway, async () => {
      await assertClientError(alice.client.updateCustomProfileAttributeValues(value),
          {status: 403, id: 'api.context.permissions.app_error'});
      await assertClientError(call(alice.client, 'PATCH', '/users/me/custom_profile_attributes',
          value), {status: 403, id: 'api.context.permissions.app_error'});
      await assertClientError(call(alice.client, 'PATCH',
          `/users/${alice.id}/custom_profile_attributes`, value),
      {status: 403, id: 'api.context.permissions.app_error'});
      await assertClientError(call(alice.client, 'PATCH',
          `/users/${bob.id}/custom_profile_attributes`, value),
      {status: 403, id: 'api.context.permissions.app_error'});
      await assertClientError(admin.client.updateCustomProfileAttributeValues(value),
          {status: 403, id: 'api.context.permissions.app_error'});
      await assertClientError(call(admin.client, 'PATCH',
          `/users/${admin.id}/custom_profile_attributes`, value),
      {status: 403, id: 'api.context.permissions.app_error'});
    });
    assert.deepEqual(await admin.client.getUserCustomProfileAttributesValues(admin.id), {});

    // An admin's attributes are set by another admin.
    const second = await createUser(gateway, {username: 'second-admin',
      roles: 'system_user system_admin'});
    assert.deepEqual(await call(second.client, 'PATCH',
        `/users/${admin.id}/custom_profile_attributes`, value), value);
    assert.deepEqual(await alice.client.getUserCustomProfileAttributesValues(admin.id), value);
  });

  test('users cannot manage fields', async () => {
    const field = await admin.client.createCustomProfileAttributeField({name: 'role', type: 'text'});
    await assertNothingChanged(gateway, async () => {
      await assertClientError(alice.client.createCustomProfileAttributeField(
          {name: 'mine', type: 'text'}), {status: 403, id: 'api.context.permissions.app_error'});
      await assertClientError(alice.client.patchCustomProfileAttributeField(field.id,
          {name: 'theirs'}), {status: 403, id: 'api.context.permissions.app_error'});
      await assertClientError(alice.client.deleteCustomProfileAttributeField(field.id),
          {status: 403, id: 'api.context.permissions.app_error'});
    });
    await assertClientError(gateway.client().getCustomProfileAttributeFields(),
        {status: 401, id: 'api.context.session_expired.app_error'});
  });

  test('bad input is refused with Mattermost\'s ids and changes nothing', async () => {
    const text = await admin.client.createCustomProfileAttributeField({name: 'org', type: 'text'});
    const select = await admin.client.createCustomProfileAttributeField({name: 'nation',
      type: 'select', attrs: {options: [{name: 'FRA'}]}});
    const invalidField = 'model.property_field.is_valid.app_error';
    const unprocessable = 'app.custom_profile_attributes.sanitize_and_validate.app_error';
    const badValue = 'app.custom_profile_attributes.validate_value.app_error';
    await assertNothingChanged(gateway, async () => {
      await assertClientError(admin.client.createCustomProfileAttributeField(
          {name: '  ', type: 'text'}), {status: 400, id: invalidField});
      await assertClientError(admin.client.createCustomProfileAttributeField(
          {name: 'x'.repeat(256), type: 'text'}), {status: 400, id: invalidField});
      await assertClientError(admin.client.createCustomProfileAttributeField(
          {name: 'n', type: 'number'}), {status: 400, id: invalidField});
      await assertClientError(admin.client.createCustomProfileAttributeField(
          {name: 'org', type: 'text'}), {status: 400, id: invalidField});  // name taken
      await assertClientError(admin.client.createCustomProfileAttributeField(
          {name: 's', type: 'select', attrs: {options: []}}), {status: 422, id: unprocessable});
      await assertClientError(admin.client.createCustomProfileAttributeField(
          {name: 's', type: 'text', attrs: {visibility: 'sometimes'}}),
      {status: 422, id: unprocessable});
      await assertClientError(admin.client.createCustomProfileAttributeField(
          {name: 7, type: 'text'}),
      {status: 400, id: 'api.context.invalid_body_param.app_error'});
      await assertClientError(call(admin.client, 'POST', '/custom_profile_attributes/fields',
          ['not', 'an', 'object']), {status: 400, id: 'api.context.invalid_body_param.app_error'});
      await assertClientError(admin.client.patchCustomProfileAttributeField('nope', {name: 'x'}),
          {status: 400, id: 'api.context.invalid_url_param.app_error'});
      await assertClientError(admin.client.patchCustomProfileAttributeField(newId(), {name: 'x'}),
          {status: 404, id: 'app.custom_profile_attributes.property_field_not_found.app_error'});
      await assertClientError(admin.client.deleteCustomProfileAttributeField(newId()),
          {status: 404, id: 'app.custom_profile_attributes.property_field_not_found.app_error'});

      const values = `/users/${alice.id}/custom_profile_attributes`;
      await assertClientError(call(admin.client, 'PATCH', values, {[text.id]: 'x'.repeat(65)}),
          {status: 400, id: badValue});
      // One bad value spoils the batch: the good one is not written either.
      await assertClientError(call(admin.client, 'PATCH', values,
          {[text.id]: 'NATO', [select.id]: 'FRA'}), {status: 400, id: badValue});
      await assertClientError(call(admin.client, 'PATCH', values, {[text.id]: ['a']}),
          {status: 400, id: badValue});
      await assertClientError(call(admin.client, 'PATCH', values, {[newId()]: 'x'}),
          {status: 404, id: 'app.custom_profile_attributes.property_field_not_found.app_error'});
      await assertClientError(call(admin.client, 'PATCH', values, {}),
          {status: 400, id: 'api.context.invalid_body_param.app_error'});
      await assertClientError(call(admin.client, 'PATCH', values, {'not-an-id': 'x'}),
          {status: 400, id: 'api.context.invalid_body_param.app_error'});
      await assertClientError(call(admin.client, 'PATCH',
          `/users/${newId()}/custom_profile_attributes`, {[text.id]: 'x'}),
      {status: 404, id: 'app.user.missing_account.const'});
    });
  });

  test('at most 20 fields', async () => {
    const existing = (await admin.client.getCustomProfileAttributeFields()).length;
    for (let n = existing; n < 20; ++n) {
      await admin.client.createCustomProfileAttributeField({name: `f${n}`, type: 'text'});
    }
    await assertNothingChanged(gateway, () => assertClientError(
        admin.client.createCustomProfileAttributeField({name: 'one more', type: 'text'}),
        {status: 422, id: 'app.custom_profile_attributes.limit_reached.app_error'}));
  });

  test('channel policy attributes: set by system admins only, read by the channel\'s readers',
      async () => {
        const secret = world.channels.secret;
        const path = `/channels/${secret}/policy_attributes`;
        const unset = await call(alice.client, 'GET', path);
        assert.deepEqual(unset, {channel_id: secret, label: '', mission: '', bridging: 'never',
          bridges: [], guests: false, update_at: 0, updated_by: ''});

        const attributes = {label: 'CONFIDENTIAL REL USA,GBR,FRA', mission: 'NORTHWIND',
          bridging: 'allowed', bridges: ['matrix-fra', 'xmpp-usa'], guests: true};
        const set = await call(admin.client, 'PUT', path, attributes);
        assert.equal(set.updated_by, admin.id);
        assert.ok(set.update_at > 0);
        // Alice created the channel: she is its channel admin, and still cannot change them.
        const read = await call(alice.client, 'GET', path);
        assert.deepEqual({...read, update_at: 0}, {...set, update_at: 0});
        assert.deepEqual(read, set);

        await assertNothingChanged(gateway, async () => {
          await assertClientError(call(alice.client, 'PUT', path, {label: 'UNCLASSIFIED'}),
              {status: 403, id: 'api.context.permissions.app_error'});
          await assertClientError(call(bob.client, 'GET', path),
              {status: 403, id: 'api.context.permissions.app_error'});
          for (const bad of [{label: ''}, {label: 'SECRET<b>'}, {mission: 'NORTH WIND'},
            {bridging: 'sometimes'}, {bridges: ['Matrix']}, {bridges: 'matrix-fra'},
            {guests: 'yes'}]) {
            await assertClientError(call(admin.client, 'PUT', path, {...attributes, ...bad}),
                {status: 400, id: 'api.context.invalid_body_param.app_error'});
          }
          await assertClientError(call(admin.client, 'PUT', `/channels/${newId()}/policy_attributes`,
              attributes), {status: 404, id: 'app.channel.get.existing.app_error'});
          await assertClientError(call(admin.client, 'PUT', '/channels/nope/policy_attributes',
              attributes), {status: 400, id: 'api.context.invalid_url_param.app_error'});
        });
      });
});
