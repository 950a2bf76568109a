'use strict';
// A fake Matrix homeserver for the Matrix bridge's tests, written from the Matrix specification
// (Client-Server API v1.x, Application Service API): just what an Application Service uses,
// behaving as the specification (and Synapse, where the specification leaves it open) says.
//
//   const hs = await FakeHomeserver.start({serverName: 'hs.test', registration});
//   hs.setAppService(`${gateway.url}/matrix`);       // where transactions are pushed
//   const room = hs.createRoom({creator: '@bob:hs.test', alias: '#ops:hs.test'});
//   const id = hs.send('@bob:hs.test', room, {msgtype: 'm.text', body: 'hi'});
//   await hs.waitFor(() => hs.timeline(room).some(...));
//   await hs.stop();
//
// Client-Server side (the AS's as_token): Authorization: Bearer or ?access_token=; identity
// assertion with ?user_id=, allowed only for the bot (sender_localpart) and REGISTERED users of
// the registration's user namespaces (403 M_FORBIDDEN otherwise, as Synapse); /register with
// m.login.application_service (inhibit_login required, as on servers without legacy login;
// M_USER_IN_USE; M_EXCLUSIVE outside the namespace); profile display names; the room
// directory (GET; PUT to bind an alias: the AS only inside its alias namespace, M_EXCLUSIVE
// outside it); createRoom (preset, name, topic, room_alias_name under the same rule, 400
// M_ROOM_IN_USE for a taken alias, creation_content such as m.federate; the initial state as
// events; `invite` and `is_direct`: each invitee's m.room.member invite event, with
// content.is_direct true for a DM); join (public rooms, or invited), invite (by a member), leave
// (a member, or an invitation rejected); send and redact with
// per-AS transaction-id idempotency (the key is the path and the AS, never the user: the same
// txnId from two puppets in one room gives the first event back, as Synapse does); sending
// requires membership (403 M_FORBIDDEN); relations; the media repository (below).
//
// Media repository (spec: content repository module, authed-content-repo.yaml,
// content-repo.yaml): POST /_matrix/media/v3/upload (authenticated, ?filename=, the body's
// Content-Type; larger than maxUploadBytes: 413 M_TOO_LARGE) -> {content_uri}; GET
// /_matrix/client/v1/media/config and the legacy /_matrix/media/v3/config (authenticated) ->
// {"m.upload.size"} (left out when advertiseUploadLimit is false: the spec's "unknown");
// downloads with Content-Type and Content-Disposition. Two kinds of server (option `media`):
//   'authenticated' (Matrix 1.11+, the default): GET /_matrix/client/v1/media/download/
//     {serverName}/{mediaId}[/{fileName}] requires the access token; the unauthenticated
//     legacy /_matrix/media/v3/download is frozen (404 M_NOT_FOUND), as Synapse with
//     enable_authenticated_media does for media uploaded after the freeze;
//   'legacy' (before 1.11): no /_matrix/client/v1/media/* route (404 M_UNRECOGNIZED, the
//     spec's answer to an unknown endpoint); media are downloaded from the legacy route
//     without authentication.
// Every download is recorded in `downloads` ({route: 'v1' | 'v3', mediaId, status}).
//
// Application Service side: every event of a room with a joined namespace user (or the bot),
// and invites of namespace users, go to the AS in transactions of at most 100 events, one in
// flight, retried with the same txnId and the same events until a 2xx, with a backoff. The
// route family ('v1' tries /_matrix/app/v1 first and falls back to the legacy path on any
// non-2xx, as the specification says; 'legacy' only the legacy path) and the token style
// ('header', 'query' or 'both') are options. An alias nobody has bound that lies in the AS's
// alias namespace is asked of the AS (GET /_matrix/app/v1/rooms/{alias}, the legacy
// /rooms/{alias} as the fallback) before a directory lookup or a join by alias answers 404,
// and looked up again after a 200 (Synapse: DirectoryHandler.get_association); test users join
// by alias with joinAlias().
//
// Test controls: rateLimit(n, ms) answers the next n sends with 429 M_LIMIT_EXCEEDED;
// refuseCreateRoom(status, errcode, n) answers the next n createRoom calls with that error;
// createDirectRoom(user, invitee) is a Matrix client's DM (is_direct invitation);
// uploadMedia(bytes, type, name) stores a media as a Matrix client's upload would;
// pause()/resume() make the homeserver unreachable (the port refuses connections) and back;
// dropConnections() closes the open connections (as idle keep-alive ones are closed).

const crypto = require('node:crypto');
const http = require('node:http');

const kMaxEventsPerTransaction = 100;
const kMaxRequestBytes = 64 * 1024 * 1024;  // what the fake reads of any request at all

const randomId = (n = 12) => crypto.randomBytes(n).toString('base64url');

function matrixError(res, status, errcode, error, extra = {}) {
  res.writeHead(status, {'Content-Type': 'application/json'});
  res.end(JSON.stringify({errcode, error, ...extra}));
}

function ok(res, body = {}) {
  res.writeHead(200, {'Content-Type': 'application/json'});
  res.end(JSON.stringify(body));
}

// The registration's regexes apply to the whole id (Synapse anchors them with re.match; a
// namespace regex like '@mm_.*:hs\.test' must match all of '@mm_x:hs.test').
const fullMatch = (regex, text) => new RegExp(`^(?:${regex})$`).test(text);

class FakeHomeserver {
  // registration: {id, as_token, hs_token, sender_localpart, namespaces: {users, aliases}}
  // (the YAML `parleyd matrix registration` wrote, parsed).
  static async start({serverName = 'hs.test', registration, routes = 'v1', tokenStyle = 'header',
    retryMs = 100, retryMaxMs = 2000, media = 'authenticated', maxUploadBytes = 1024 * 1024,
    advertiseUploadLimit = true} = {}) {
    if (!['authenticated', 'legacy'].includes(media)) throw new Error(`media: ${media}?`);
    const hs = new FakeHomeserver(serverName, registration, {routes, tokenStyle, retryMs,
      retryMaxMs, media, maxUploadBytes, advertiseUploadLimit});
    await hs.listen(0);
    return hs;
  }

  constructor(serverName, registration, options) {
    this.serverName = serverName;
    this.options = options;
    this.createRoomRefusals = [];  // [status, errcode] for the next createRoom calls
    this.users = new Map();
    this.reg = {namespaces: {}};
    this.bot = '';
    if (registration) this.setRegistration(registration);
    this.rooms = new Map();      // room id -> {id, joinRule, members: Map(user -> membership), events}
    this.aliases = new Map();    // alias -> room id
    this.events = new Map();     // event id -> event
    this.txns = new Map();       // idempotency key -> event id
    this.media = new Map();      // media id -> {bytes, contentType, filename, uploader}
    this.downloads = [];         // {route, mediaId, status} of every download
    this.requests = [];          // {method, path, userId} of every C-S call (for assertions)
    this.limited = 0;
    this.limitMs = 0;
    this.asUrl = '';
    this.outbox = [];            // events waiting for the AS
    this.inFlight = null;        // {txnId, events}
    this.nextTxn = 1;
    this.transactions = [];      // {txnId, events, status} attempts, for assertions
    this.aliasQueries = [];      // {alias, status} of every alias query to the AS
    this.pushTimer = null;
    this.failures = 0;
    this.sockets = new Set();
    this.paused = false;
    this.stopped = false;
    // A request whose connection was cut (pause(), a client that gave up) has nobody to answer.
    this.server = http.createServer((req, res) => this.handle(req, res).catch(() => res.destroy()));
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  listen(port) {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.port = this.server.address().port;
        resolve();
      });
    });
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  // The AS registration (parsed YAML); its bot exists from then on.
  setRegistration(registration) {
    this.reg = registration;
    this.bot = `@${registration.sender_localpart}:${this.serverName}`;
    this.users.set(this.bot, {displayname: registration.sender_localpart});
  }

  // Where the AS is (the registration's url as reachable from here); pushing starts.
  setAppService(url) {
    this.asUrl = url.replace(/\/$/, '');
    this.schedulePush(0);
  }

  // The open connections closed, as a server closes keep-alive connections that sat idle; it
  // goes on listening.
  dropConnections() {
    for (const socket of this.sockets) socket.destroy();
  }

  // Unreachable: the listening socket closes and open connections are cut.
  async pause() {
    this.paused = true;
    await new Promise((resolve) => {
      this.server.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
    });
  }

  async resume() {
    this.paused = false;
    await this.listen(this.port);
  }

  async stop() {
    this.stopped = true;
    clearTimeout(this.pushTimer);
    if (!this.paused) await this.pause();
  }

  rateLimit(count, retryAfterMs) {
    this.limited = count;
    this.limitMs = retryAfterMs;
  }

  // The next createRoom calls answer these errors, one each: refuseCreateRoom(403, 'M_FORBIDDEN').
  refuseCreateRoom(status, errcode, times = 1) {
    for (let i = 0; i < times; i += 1) this.createRoomRefusals.push([status, errcode]);
  }

  // ------------------------------------------------------------------ rooms and users (tests)

  registerUser(userId, displayname = '') {
    this.users.set(userId, {displayname});
    return userId;
  }

  createRoom({creator, alias = '', joinRule = 'public', name = '', topic = '', preset = '',
    visibility = 'private', creationContent = {}}) {
    const id = `!${randomId(9)}:${this.serverName}`;
    const room = {id, joinRule, name, topic, preset, visibility, creator, creationContent,
      members: new Map(), events: []};
    this.rooms.set(id, room);
    this.addEvent(room, {type: 'm.room.create', sender: creator, state_key: '',
      content: {...creationContent, creator, room_version: '11'}});
    this.membership(room, creator, creator, 'join');
    const state = (type, content) => this.addEvent(room, {type, sender: creator, state_key: '',
      content});
    state('m.room.power_levels', {users: {[creator]: 100}, users_default: 0, events_default: 0,
      state_default: 50, redact: 50});
    state('m.room.join_rules', {join_rule: joinRule});
    if (name) state('m.room.name', {name});
    if (topic) state('m.room.topic', {topic});
    if (alias) {
      this.aliases.set(alias, id);
      state('m.room.canonical_alias', {alias});
    }
    return id;
  }

  // A user (a test's real user) joins by alias as a client does: an unknown alias of the AS's
  // namespace is asked of the AS first. The room id, or null when the alias does not resolve.
  async joinAlias(userId, alias) {
    const roomId = await this.resolveAlias(alias);
    if (!roomId) return null;
    const room = this.rooms.get(roomId);
    if (room.joinRule !== 'public' && room.members.get(userId) !== 'invite') return null;
    if (room.members.get(userId) !== 'join') this.membership(room, userId, userId, 'join');
    return roomId;
  }

  // The room of an alias; one in the AS's alias namespace that nobody bound is asked of the AS
  // (spec: query_room; Synapse asks on every lookup), then looked up again.
  async resolveAlias(alias) {
    if (this.aliases.has(alias)) return this.aliases.get(alias);
    if (!this.asUrl || !this.inNamespace('aliases', alias)) return null;
    const reply = await this.asCall('GET', `/rooms/${encodeURIComponent(alias)}`);
    this.aliasQueries.push({alias, status: reply.status});
    return reply.status >= 200 && reply.status < 300 ? this.aliases.get(alias) ?? null : null;
  }

  // A real (non-AS) user's message: the event id.
  send(sender, roomId, content, type = 'm.room.message') {
    const room = this.rooms.get(roomId);
    if (room?.members.get(sender) !== 'join') throw new Error(`${sender} is not in ${roomId}`);
    return this.addEvent(room, {type, sender, content}).event_id;
  }

  join(userId, roomId) {
    this.membership(this.rooms.get(roomId), userId, userId, 'join');
  }

  // A real user leaves a room (their m.room.member leave, as the client's /leave makes it).
  leave(userId, roomId) {
    this.membership(this.rooms.get(roomId), userId, userId, 'leave');
  }

  // A real user's DM, as a Matrix client makes it (createRoom with preset trusted_private_chat,
  // is_direct and invite): an invite-only room where `invitee` is invited with is_direct.
  createDirectRoom(creator, invitee) {
    const roomId = this.createRoom({creator, joinRule: 'invite', preset: 'trusted_private_chat'});
    this.membership(this.rooms.get(roomId), creator, invitee, 'invite', {is_direct: true});
    return roomId;
  }

  // The rooms where `userId` was invited with is_direct (a DM of theirs).
  directRoomsOf(userId) {
    return [...this.rooms.values()].filter((room) => room.events.some((e) =>
      e.type === 'm.room.member' && e.state_key === userId && e.content.is_direct === true));
  }

  redact(sender, roomId, eventId, reason = '') {
    const room = this.rooms.get(roomId);
    return this.addEvent(room, {type: 'm.room.redaction', sender, redacts: eventId,
      content: {redacts: eventId, ...(reason ? {reason} : {})}}).event_id;
  }

  // The room's events, oldest first (redacted ones with redacted: true).
  timeline(roomId) {
    return this.rooms.get(roomId)?.events ?? [];
  }

  // Messages (m.room.message) of a room from AS users, oldest first.
  bridged(roomId, type = 'm.room.message') {
    return this.timeline(roomId).filter((e) => e.type === type && this.isAsUser(e.sender));
  }

  async waitFor(condition, what = 'the condition', timeoutMs = 15_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = condition();
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  // ------------------------------------------------------------------ internals

  inNamespace(kind, text) {
    return (this.reg.namespaces?.[kind] ?? []).some((ns) => fullMatch(ns.regex, text));
  }

  isAsUser(userId) {
    return userId === this.bot || this.inNamespace('users', userId);
  }

  membership(room, sender, target, membership, extra = {}) {
    room.members.set(target, membership);
    const displayname = this.users.get(target)?.displayname;
    this.addEvent(room, {type: 'm.room.member', sender, state_key: target,
      content: {membership, ...(displayname ? {displayname} : {}), ...extra}});
  }

  addEvent(room, partial) {
    const event = {event_id: `$${randomId(16)}`, room_id: room.id, origin_server_ts: Date.now(),
      unsigned: {}, ...partial};
    room.events.push(event);
    this.events.set(event.event_id, event);
    if (event.type === 'm.room.redaction') {
      const target = this.events.get(event.redacts);
      if (target) {
        target.redacted = true;
        target.content = {};
      }
    }
    // Delivery scope (spec): rooms where an AS user is joined, and invites of AS users.
    const interested = [...room.members].some(([user, m]) => m === 'join' && this.isAsUser(user)) ||
      (event.type === 'm.room.member' && this.isAsUser(event.state_key));
    if (interested) {
      this.outbox.push(event);
      this.schedulePush(0);
    }
    return event;
  }

  schedulePush(delayMs) {
    if (!this.asUrl || this.stopped || this.pushTimer) return;
    this.pushTimer = setTimeout(() => {
      this.pushTimer = null;
      this.push();
    }, delayMs);
  }

  asRequest(route, body) {
    return this.asCall('PUT', route, body);
  }

  asCall(method, route, body = undefined) {
    const {routes, tokenStyle} = this.options;
    const headers = {'Content-Type': 'application/json'};
    const token = this.reg.hs_token;
    if (tokenStyle !== 'query') headers.Authorization = `Bearer ${token}`;
    const query = tokenStyle === 'header' ? '' : `?access_token=${encodeURIComponent(token)}`;
    const attempt = (prefix) => fetch(`${this.asUrl}${prefix}${route}${query}`,
        {method, headers, body}).then(async (r) => ({status: r.status, body: await r.text()}));
    if (routes === 'legacy') return attempt('');
    // Spec: try /_matrix/app/v1 first, fall back to the legacy route on any non-2xx.
    return attempt('/_matrix/app/v1').then((r) => (r.status >= 200 && r.status < 300) ? r :
      attempt('').then((legacy) => ({...legacy, v1Status: r.status})));
  }

  async push() {
    if (this.inFlight || this.stopped) return;
    if (!this.outbox.length) return;
    const events = this.outbox.splice(0, kMaxEventsPerTransaction);
    this.inFlight = {txnId: String(this.nextTxn++), events};
    await this.deliverInFlight();
  }

  async deliverInFlight() {
    const {txnId, events} = this.inFlight;
    const body = JSON.stringify({events, ephemeral: []});
    let status = 0;
    try {
      const reply = await this.asRequest(`/transactions/${encodeURIComponent(txnId)}`, body);
      status = reply.status;
    } catch {
      status = 0;
    }
    this.transactions.push({txnId, count: events.length, status});
    if (this.stopped) return;
    if (status >= 200 && status < 300) {
      this.inFlight = null;
      this.failures = 0;
      this.schedulePush(0);
      return;
    }
    // The same transaction again, with the same events, after a backoff.
    this.failures += 1;
    const delay = Math.min(this.options.retryMaxMs, this.options.retryMs * 2 ** (this.failures - 1));
    setTimeout(() => { if (!this.stopped) this.deliverInFlight(); }, delay);
  }

  // Replays a transaction exactly as it was sent (a homeserver that delivers twice).
  async resendTransaction(txnId, events) {
    return this.asRequest(`/transactions/${encodeURIComponent(txnId)}`,
        JSON.stringify({events, ephemeral: []}));
  }

  // The requester of a C-S call: {userId} or an error sent.
  authenticate(req, res, url) {
    const header = req.headers.authorization ?? '';
    const token = header.startsWith('Bearer ') ? header.slice(7) :
      url.searchParams.get('access_token');
    if (!token) return matrixError(res, 401, 'M_MISSING_TOKEN', 'Missing access token'), null;
    if (token !== this.reg.as_token) {
      return matrixError(res, 401, 'M_UNKNOWN_TOKEN', 'Unknown access token'), null;
    }
    const asserted = url.searchParams.get('user_id');
    if (!asserted) return {userId: this.bot};
    if (asserted !== this.bot && !this.inNamespace('users', asserted)) {
      return matrixError(res, 403, 'M_FORBIDDEN',
          'Application service cannot masquerade as this user'), null;
    }
    if (!this.users.has(asserted)) {
      return matrixError(res, 403, 'M_FORBIDDEN',
          'Application service has not registered this user'), null;
    }
    return {userId: asserted};
  }

  async handle(req, res) {
    const url = new URL(req.url, 'http://x');
    // The whole body is read even when it is too large (answering before would cut the
    // client's upload off with a reset instead of the 413).
    const chunks = [];
    let size = 0;
    for await (const chunk of req) {
      size += chunk.length;
      if (size <= kMaxRequestBytes) chunks.push(chunk);
    }
    if (size > kMaxRequestBytes) return matrixError(res, 413, 'M_TOO_LARGE', 'Request too large');
    const raw = Buffer.concat(chunks);
    const segments = url.pathname.split('/').slice(1).map(decodeURIComponent);
    const path = segments.join('/');
    try {
      return await this.route(req, res, url, segments, path, raw);
    } catch (error) {
      return matrixError(res, 500, 'M_UNKNOWN', error.message);
    }
  }

  async route(req, res, url, s, path, raw) {
    const method = req.method;
    const is = (m, prefix, length) => method === m && path.startsWith(prefix) &&
      (length === undefined || s.length === length);
    // Legacy media download: no authentication (frozen on an authenticated-media server).
    if (is('GET', '_matrix/media/v3/download/') && (s.length === 6 || s.length === 7)) {
      if (this.options.media === 'authenticated') {
        this.downloads.push({route: 'v3', mediaId: s[5], status: 404});
        return matrixError(res, 404, 'M_NOT_FOUND', 'Not found');
      }
      return this.download(res, 'v3', s[4], s[5]);
    }
    // A server before authenticated media has no /_matrix/client/v1/media routes at all.
    if (this.options.media === 'legacy' && path.startsWith('_matrix/client/v1/media/')) {
      return matrixError(res, 404, 'M_UNRECOGNIZED', 'Unrecognized request');
    }
    const who = this.authenticate(req, res, url);
    if (!who) return;
    this.requests.push({method, path, userId: who.userId});
    let body = {};
    const json = () => {
      try {
        body = raw.length ? JSON.parse(raw.toString('utf8')) : {};
        return true;
      } catch {
        matrixError(res, 400, 'M_NOT_JSON', 'Content not JSON.');
        return false;
      }
    };

    if (is('POST', '_matrix/client/v3/register', 4)) {
      if (!json()) return;
      if (body.type !== 'm.login.application_service') {
        return matrixError(res, 400, 'M_UNKNOWN', 'Only m.login.application_service here');
      }
      if (body.inhibit_login !== true) {
        return matrixError(res, 400, 'M_APPSERVICE_LOGIN_UNSUPPORTED',
            'This server has no legacy login: set inhibit_login');
      }
      const userId = `@${body.username}:${this.serverName}`;
      if (!this.inNamespace('users', userId)) {
        return matrixError(res, 400, 'M_EXCLUSIVE', 'User ID is not in the AS namespace');
      }
      if (this.users.has(userId)) return matrixError(res, 400, 'M_USER_IN_USE', 'User ID already taken.');
      this.users.set(userId, {displayname: body.username});
      return ok(res, {user_id: userId});
    }
    if (is('PUT', '_matrix/client/v3/profile/', 6) && s[5] === 'displayname') {
      if (!json()) return;
      if (s[4] !== who.userId) return matrixError(res, 403, 'M_FORBIDDEN', 'Cannot set another user\'s name');
      this.users.get(who.userId).displayname = body.displayname;
      return ok(res);
    }
    if (is('GET', '_matrix/client/v3/directory/room/', 6)) {
      const roomId = await this.resolveAlias(s[5]);
      if (!roomId) return matrixError(res, 404, 'M_NOT_FOUND', 'Room alias not found');
      return ok(res, {room_id: roomId, servers: [this.serverName]});
    }
    if (is('PUT', '_matrix/client/v3/directory/room/', 6)) {
      if (!json()) return;
      if (!this.inNamespace('aliases', s[5])) {
        return matrixError(res, 400, 'M_EXCLUSIVE', 'This alias is reserved by an application service.');
      }
      if (this.aliases.has(s[5])) return matrixError(res, 409, 'M_UNKNOWN', 'Room alias already exists');
      if (!this.rooms.has(body.room_id)) return matrixError(res, 404, 'M_NOT_FOUND', 'No such room');
      this.aliases.set(s[5], body.room_id);
      return ok(res);
    }
    if (is('POST', '_matrix/client/v3/createRoom', 4)) {
      if (!json()) return;
      return this.createRoomFor(res, who.userId, body);
    }
    if (is('POST', '_matrix/client/v3/join/', 5)) {
      const roomId = s[4].startsWith('#') ? await this.resolveAlias(s[4]) : s[4];
      const room = this.rooms.get(roomId);
      if (!room) return matrixError(res, 404, 'M_NOT_FOUND', 'No such room');
      const current = room.members.get(who.userId);
      if (current !== 'join') {
        if (room.joinRule !== 'public' && current !== 'invite') {
          return matrixError(res, 403, 'M_FORBIDDEN', 'You are not invited to this room.');
        }
        this.membership(room, who.userId, who.userId, 'join');
      }
      return ok(res, {room_id: roomId});
    }
    if (is('POST', '_matrix/client/v3/rooms/', 6) && s[5] === 'invite') {
      if (!json()) return;
      const room = this.rooms.get(s[4]);
      if (!room) return matrixError(res, 404, 'M_NOT_FOUND', 'No such room');
      if (room.members.get(who.userId) !== 'join') {
        return matrixError(res, 403, 'M_FORBIDDEN', 'You are not in this room.');
      }
      const target = body.user_id;
      if (room.members.get(target) === 'join') {
        return matrixError(res, 403, 'M_FORBIDDEN', `${target} is already in the room.`);
      }
      this.membership(room, who.userId, target, 'invite');
      return ok(res);
    }
    if (is('POST', '_matrix/client/v3/rooms/', 6) && s[5] === 'leave') {
      if (!json()) return;
      const room = this.rooms.get(s[4]);
      if (!room) return matrixError(res, 404, 'M_NOT_FOUND', 'No such room');
      const current = room.members.get(who.userId);
      if (current !== 'join' && current !== 'invite') {
        return matrixError(res, 403, 'M_FORBIDDEN', 'You are not in this room.');
      }
      this.membership(room, who.userId, who.userId, 'leave',
          typeof body.reason === 'string' ? {reason: body.reason} : {});
      return ok(res);
    }
    if (is('PUT', '_matrix/client/v3/rooms/', 8) && (s[5] === 'send' || s[5] === 'redact')) {
      if (!json()) return;
      const room = this.rooms.get(s[4]);
      if (!room) return matrixError(res, 404, 'M_NOT_FOUND', 'No such room');
      // Idempotency per AS: the path (without the query) and the requester's AS, not the user.
      const key = `${this.reg.id} ${url.pathname}`;
      if (this.txns.has(key)) return ok(res, {event_id: this.txns.get(key)});
      if (room.members.get(who.userId) !== 'join') {
        return matrixError(res, 403, 'M_FORBIDDEN', `User ${who.userId} not in room ${room.id}`);
      }
      if (this.limited > 0) {
        this.limited -= 1;
        return matrixError(res, 429, 'M_LIMIT_EXCEEDED', 'Too Many Requests',
            {retry_after_ms: this.limitMs});
      }
      if (raw.length > 65536) return matrixError(res, 413, 'M_TOO_LARGE', 'Event too large');
      let event;
      if (s[5] === 'send') {
        event = this.addEvent(room, {type: s[6], sender: who.userId, content: body});
      } else {
        if (!this.events.has(s[6])) return matrixError(res, 404, 'M_NOT_FOUND', 'Unknown event');
        event = this.addEvent(room, {type: 'm.room.redaction', sender: who.userId, redacts: s[6],
          content: {redacts: s[6], ...body}});
      }
      this.txns.set(key, event.event_id);
      return ok(res, {event_id: event.event_id});
    }
    if (is('GET', '_matrix/client/v1/rooms/', 9) && s[5] === 'relations') {
      const room = this.rooms.get(s[4]);
      if (!room) return matrixError(res, 404, 'M_NOT_FOUND', 'No such room');
      const chunk = room.events.filter((e) => !e.redacted && e.type === s[8] &&
          e.content?.['m.relates_to']?.event_id === s[6] &&
          e.content?.['m.relates_to']?.rel_type === s[7]);
      return ok(res, {chunk});
    }
    if (is('POST', '_matrix/media/v3/upload', 4)) {
      if (raw.length > this.options.maxUploadBytes) {
        return matrixError(res, 413, 'M_TOO_LARGE', 'Cannot upload files larger than ' +
            `${this.options.maxUploadBytes} bytes`);
      }
      const id = randomId(12);
      this.media.set(id, {bytes: raw, contentType: req.headers['content-type'] ?? '',
        filename: url.searchParams.get('filename') ?? '', uploader: who.userId});
      return ok(res, {content_uri: `mxc://${this.serverName}/${id}`});
    }
    if (is('GET', '_matrix/client/v1/media/download/') && (s.length === 7 || s.length === 8)) {
      return this.download(res, 'v1', s[5], s[6]);
    }
    if (is('GET', '_matrix/client/v1/media/config', 5) || is('GET', '_matrix/media/v3/config', 4)) {
      return ok(res, this.options.advertiseUploadLimit ?
        {'m.upload.size': this.options.maxUploadBytes} : {});
    }
    return matrixError(res, 404, 'M_UNRECOGNIZED', 'Unrecognized request');
  }

  // POST /_matrix/client/v3/createRoom by an AS user (spec: client-server createRoom).
  createRoomFor(res, creator, body) {
    const presets = {private_chat: 'invite', trusted_private_chat: 'invite', public_chat: 'public'};
    const visibility = body.visibility ?? 'private';
    const preset = body.preset ?? (visibility === 'public' ? 'public_chat' : 'private_chat');
    if (!(preset in presets) || !['public', 'private'].includes(visibility)) {
      return matrixError(res, 400, 'M_INVALID_PARAM', 'Invalid preset or visibility');
    }
    for (const key of ['name', 'topic', 'room_alias_name']) {
      if (body[key] !== undefined && typeof body[key] !== 'string') {
        return matrixError(res, 400, 'M_BAD_JSON', `${key} must be a string`);
      }
    }
    const invite = body.invite ?? [];
    if (!Array.isArray(invite) || invite.some((u) => typeof u !== 'string' || !/^@[^:]+:.+$/.test(u))) {
      return matrixError(res, 400, 'M_INVALID_PARAM', 'invite must be a list of user ids');
    }
    if (body.is_direct !== undefined && typeof body.is_direct !== 'boolean') {
      return matrixError(res, 400, 'M_BAD_JSON', 'is_direct must be a boolean');
    }
    if (this.createRoomRefusals.length > 0) {
      const [status, errcode] = this.createRoomRefusals.shift();
      return matrixError(res, status, errcode, 'createRoom refused');
    }
    let alias = '';
    if (body.room_alias_name !== undefined) {
      if (!body.room_alias_name || /[:\s#]/.test(body.room_alias_name)) {
        return matrixError(res, 400, 'M_INVALID_PARAM', 'Invalid characters in room alias');
      }
      alias = `#${body.room_alias_name}:${this.serverName}`;
      // An AS creates aliases only inside its own namespace (spec: M_EXCLUSIVE).
      if (!this.inNamespace('aliases', alias)) {
        return matrixError(res, 400, 'M_EXCLUSIVE', 'This alias is reserved by an application service.');
      }
      if (this.aliases.has(alias)) return matrixError(res, 400, 'M_ROOM_IN_USE', 'Room alias already taken');
    }
    const creationContent = typeof body.creation_content === 'object' && body.creation_content ?
      body.creation_content : {};
    const roomId = this.createRoom({creator, alias, joinRule: presets[preset], preset, visibility,
      name: body.name ?? '', topic: body.topic ?? '', creationContent});
    // The invitations after the initial state (spec: createRoom step 7), each with is_direct.
    const room = this.rooms.get(roomId);
    for (const target of invite) {
      this.membership(room, creator, target, 'invite', body.is_direct ? {is_direct: true} : {});
    }
    return ok(res, {room_id: roomId, ...(alias ? {room_alias: alias} : {})});
  }

  // Media by mxc://<server>/<id>, as a Matrix user's client uploads it.
  uploadMedia(bytes, contentType, filename = '', uploader = '') {
    const id = randomId(12);
    this.media.set(id, {bytes: Buffer.from(bytes), contentType, filename, uploader});
    return `mxc://${this.serverName}/${id}`;
  }

  // The media an mxc URI names, or undefined.
  mediaOf(mxc) {
    const match = /^mxc:\/\/([^/]+)\/([A-Za-z0-9_-]+)$/.exec(mxc ?? '');
    return match && match[1] === this.serverName ? this.media.get(match[2]) : undefined;
  }

  download(res, route, server, id) {
    const media = server === this.serverName ? this.media.get(id) : null;
    this.downloads.push({route, mediaId: id, status: media ? 200 : 404});
    if (!media) return matrixError(res, 404, 'M_NOT_FOUND', 'Not found');
    // Spec (v1.12): a Content-Disposition with the upload's file name, inline only for types
    // that cannot run script.
    const type = media.contentType || 'application/octet-stream';
    const inline = /^(image\/(png|jpeg|gif|webp)|text\/plain|video\/|audio\/)/.test(type);
    const name = encodeURIComponent(media.filename || 'file');
    res.writeHead(200, {'Content-Type': type, 'Content-Length': media.bytes.length,
      'Content-Disposition': `${inline ? 'inline' : 'attachment'}; filename*=utf-8''${name}`});
    res.end(media.bytes);
  }
}

module.exports = {FakeHomeserver};
