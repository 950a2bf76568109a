'use strict';
// Asserting that Client4 rejected a call with Mattermost's error for it.

const assert = require('node:assert/strict');
const {ClientError} = require('@mattermost/client');

// Awaits `promise` and checks that it rejected with a ClientError carrying the server's error
// id and status code (Client4 takes both from the error JSON body: `id`, `status_code`).
// Resolves with the error for further checks.
async function assertClientError(promise, {status, id}) {
  let caught = null;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  assert.ok(caught, `expected the call to fail with ${status} ${id}, it succeeded`);
  assert.ok(caught instanceof ClientError, `expected a ClientError, got ${caught}`);
  assert.deepEqual({status: caught.status_code, id: caught.server_error_id}, {status, id},
      `error message: ${caught.message}`);
  assert.ok(caught.message, 'the error JSON has a message for people');
  return caught;
}

module.exports = {assertClientError};
