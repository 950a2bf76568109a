'use strict';
// The "nothing changed" check of the team, channel and guest tests: a snapshot of every table
// a team or channel call writes.

const assert = require('node:assert/strict');

const {sql} = require('./database');

// The rows of every table a team or channel call writes, in a stable order.
async function snapshot(gateway) {
  return sql(gateway, `
    SELECT 'team', id, name, display_name, delete_at::text, update_at::text,
      allow_open_invite::text
      FROM teams
    UNION ALL SELECT 'team_member', team_id, user_id, roles, delete_at::text,
      scheme_admin::text || scheme_user::text || scheme_guest::text, '' FROM team_members
    UNION ALL SELECT 'channel', id, name, display_name || '|' || header || '|' || purpose,
      delete_at::text, update_at::text, type FROM channels
    UNION ALL SELECT 'channel_member', channel_id, user_id, roles, last_viewed_at::text,
      scheme_admin::text || scheme_user::text || scheme_guest::text, notify_props::text
      FROM channel_members
    UNION ALL SELECT 'sidebar_category', id, user_id || '/' || team_id, type || '|' || display_name,
      sort_order::text, muted::text || collapsed::text, sorting FROM sidebar_categories
    UNION ALL SELECT 'sidebar_channel', category_id, channel_id, user_id, sort_order::text, '', ''
      FROM sidebar_channels
    ORDER BY 1, 2, 3`);
}

// Runs `action` (which must fail) and checks that the database is as it was before.
async function assertUnchanged(gateway, action) {
  const before = await snapshot(gateway);
  await action();
  assert.deepEqual(await snapshot(gateway), before, 'the failed call changed the database');
}

module.exports = {assertUnchanged, snapshot};
