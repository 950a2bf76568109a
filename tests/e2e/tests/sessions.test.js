'use strict';
// Sessions as browsers, mobile apps and scripts carry them (reference/mattermost-api.md
// §3.1-3.3): the cookies of an XMLHttpRequest login, the CSRF rule for cookie writes, the
// Bearer and legacy Token headers, expiry, and the login rate limit. Every refused write is
// checked to leave the database as it was.

const assert = require('node:assert/strict');
const {execFile} = require('node:child_process');
const {after, before, describe, test} = require('node:test');
const {promisify} = require('node:util');

const {scalar, sql} = require('../lib/database');
const {gatewayWithUsers, kPassword} = require('../lib/users');

const kExpired = 'api.context.session_expired.app_error';

// The "name=value" part of each Set-Cookie header of a response, by cookie name.
function cookiesOf(response) {
  const cookies = {};
  for (const header of response.headers.getSetCookie()) {
    const [pair, ...attributes] = header.split(';').map((part) => part.trim());
    const equals = pair.indexOf('=');
    cookies[pair.slice(0, equals)] = {value: pair.slice(equals + 1), attributes};
  }
  return cookies;
}

describe('sessions', () => {
  let gateway;
  let admin;
  let alice;
  const api = (path, {method = 'GET', headers = {}, body} = {}) =>
    fetch(`${gateway.url}/api/v4${path}`, {method, headers, body});
  const teamCount = async () => Number(await scalar(gateway, 'SELECT count(*) FROM teams'));
  // A login as the web app makes it: cookies come back only with X-Requested-With.
  const browserLogin = () => api('/users/login', {method: 'POST',
    headers: {'X-Requested-With': 'XMLHttpRequest', 'Content-Type': 'application/json'},
    body: JSON.stringify({login_id: 'alice', password: kPassword})});

  before(async () => {
    let users;
    ({gateway, admin, users} = await gatewayWithUsers('alice'));
    ({alice} = users);
  });
  after(() => gateway?.stop());

  test('an XMLHttpRequest login sets MMAUTHTOKEN, MMUSERID and MMCSRF', async () => {
    const plain = await api('/users/login', {method: 'POST',
      body: JSON.stringify({login_id: 'alice', password: kPassword})});
    assert.equal(plain.status, 200);
    assert.deepEqual(plain.headers.getSetCookie(), [], 'no cookies for API clients');

    const response = await browserLogin();
    assert.equal(response.status, 200);
    const cookies = cookiesOf(response);
    assert.equal(cookies.MMAUTHTOKEN.value, response.headers.get('Token'));
    assert.ok(cookies.MMAUTHTOKEN.attributes.includes('HttpOnly'));
    assert.equal(cookies.MMUSERID.value, alice.user.id);
    assert.ok(!cookies.MMUSERID.attributes.includes('HttpOnly'), 'the web app reads it');
    assert.match(cookies.MMCSRF.value, /^[a-z0-9]{26}$/);
    assert.ok(!cookies.MMCSRF.attributes.includes('HttpOnly'), 'the web app reads it');
  });

  test('cookie writes need the CSRF token or X-Requested-With; reads do not', async () => {
    const cookies = cookiesOf(await browserLogin());
    const cookie = `MMAUTHTOKEN=${cookies.MMAUTHTOKEN.value}; MMCSRF=${cookies.MMCSRF.value}`;
    const me = await api('/users/me', {headers: {Cookie: cookie}});
    assert.equal(me.status, 200);
    assert.equal((await me.json()).id, alice.user.id);

    const createTeam = (headers, name) => api('/teams', {method: 'POST',
      headers: {Cookie: cookie, ...headers},
      body: JSON.stringify({name, display_name: name, type: 'O'})});
    const before = await teamCount();
    for (const headers of [{}, {'X-CSRF-Token': 'ybndrfg8ejkmcpqxot1uwisza3'}]) {
      // What a cross-site form post can send: the cookie, but no CSRF proof.
      const forged = await createTeam(headers, 'forged');
      assert.equal(forged.status, 401);
      assert.equal((await forged.json()).id, kExpired);
    }
    assert.equal(await teamCount(), before, 'no team was created');
    assert.equal((await api('/users/me', {headers: {Cookie: cookie}})).status, 200,
        'a refused write does not end the session');

    assert.equal((await createTeam({'X-CSRF-Token': cookies.MMCSRF.value}, 'by-csrf')).status,
        201);
    assert.equal((await createTeam({'X-Requested-With': 'XMLHttpRequest'}, 'by-xhr')).status,
        201);
    assert.equal(await teamCount(), before + 2);
  });

  test('the cookie wins over the header; header tokens need no CSRF proof', async () => {
    const cookies = cookiesOf(await browserLogin());
    const adminToken = admin.client.getToken();
    const me = await api('/users/me', {headers: {
      Cookie: `MMAUTHTOKEN=${cookies.MMAUTHTOKEN.value}`, Authorization: `Bearer ${adminToken}`}});
    assert.equal((await me.json()).id, alice.user.id);

    for (const scheme of ['Bearer', 'bearer', 'Token']) {
      const response = await api('/users/me',
          {headers: {Authorization: `${scheme} ${adminToken}`}});
      assert.equal(response.status, 200, scheme);
      assert.equal((await response.json()).username, 'admin', scheme);
    }
    const created = await api('/teams', {method: 'POST',
      headers: {Authorization: `Token ${adminToken}`},
      body: JSON.stringify({name: 'legacy', display_name: 'Legacy', type: 'O'})});
    assert.equal(created.status, 201);

    const query = await api(`/users/me?access_token=${adminToken}`);
    assert.equal(query.status, 401);
    assert.equal((await query.json()).id, 'api.context.token_provided.app_error');
  });

  test('an expired session is refused and a write with it changes nothing', async () => {
    const client = gateway.client();
    await client.login('alice', kPassword);
    assert.equal((await client.getMe()).id, alice.user.id);
    // Ageing a session is the one thing here the API cannot do.
    await sql(gateway, `UPDATE sessions SET expires_at = ${Date.now() - 1}
                        WHERE user_id = '${alice.user.id}'`);
    // psql is another process: its change reaches the server's session cache through a NOTIFY,
    // milliseconds after the commit.
    const bearer = {Authorization: `Bearer ${client.getToken()}`};
    for (const deadline = Date.now() + 5000; Date.now() < deadline;) {
      if ((await api('/users/me', {headers: bearer})).status === 401) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const before = await teamCount();
    const refused = await api('/teams', {method: 'POST', headers: bearer,
      body: JSON.stringify({name: 'late', display_name: 'Late', type: 'O'})});
    assert.equal(refused.status, 401);
    assert.equal((await refused.json()).id, kExpired);
    assert.equal(await teamCount(), before);
    const me = await api('/users/me', {headers: bearer});
    assert.equal(me.status, 401);
    await client.login('alice', kPassword);
    assert.equal((await client.getMe()).id, alice.user.id, 'logging in again works');
  });

  test('logins are rate limited per account too, whatever the address', async () => {
    // One attempt from each of 14 loopback addresses (curl --interface 127.0.0.2...): no
    // address reaches its own limit, the account does (burst 10).
    const statuses = await Promise.all(Array.from({length: 14}, (_, i) =>
      promisify(execFile)('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}',
        '--interface', `127.0.0.${i + 2}`, '-H', 'Content-Type: application/json',
        '-d', JSON.stringify({login_id: 'target', password: 'wrong password'}),
        `${gateway.url}/api/v4/users/login`]).then(({stdout}) => Number(stdout))));
    assert.ok(statuses.filter((status) => status === 429).length >= 2, `statuses: ${statuses}`);
    assert.ok(statuses.every((status) => status === 401 || status === 429), `${statuses}`);
    // Another account from the same addresses is not held back.
    const other = await api('/users/login', {method: 'POST',
      body: JSON.stringify({login_id: 'alice', password: kPassword})});
    assert.equal(other.status, 200);
  });

  test('logins are rate limited per client address', async () => {
    // All at once, so that the bucket (burst 10, 5/s) cannot refill between attempts.
    const statuses = await Promise.all(Array.from({length: 30}, () =>
      api('/users/login', {method: 'POST',
        body: JSON.stringify({login_id: 'nobody', password: 'wrong password'})})
          .then((response) => response.status)));
    assert.ok(statuses.includes(429), `statuses: ${statuses}`);
    assert.ok(statuses.every((status) => status === 401 || status === 429), `${statuses}`);
  });
});
