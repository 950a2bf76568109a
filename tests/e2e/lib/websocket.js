'use strict';
// WebSocket helpers: a raw socket (npm `ws`) that records what the server sends, and the
// official WebSocketClient of @mattermost/client made to run under node.
//
//   const socket = await RawSocket.open(gateway, {token});        // Authorization: Bearer
//   const hello = await socket.next((m) => m.event === 'hello');
//   const reply = await socket.request('ping');                    // {status, seq_reply, data}
//
// Waits time out (kWaitMs) with a message that lists what did arrive.

const {WebSocketClient} = require('@mattermost/client');
const WebSocket = require('ws');

const {createUser} = require('./users');

const kWaitMs = 5_000;

function websocketUrl(gateway, query = '', secure = false) {
  const base = secure ? gateway.url.replace(/^http:/, 'https:') : gateway.url;
  return `${base.replace(/^http/, 'ws')}/api/v4/websocket${query}`;
}

// Messages of one kind in arrival order, consumed by take().
class Inbox {
  constructor(socket) {
    this.socket = socket;
    this.items = [];
    this.consumed = 0;  // items before this index were returned by take() or skipped by it
    this.waiters = [];
  }

  push(item) {
    this.items.push(item);
    this.wake();
  }

  wake() {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  // The next item matching `predicate`; items skipped on the way are consumed too.
  take(predicate = () => true, timeoutMs = kWaitMs) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(
          `no matching message within ${timeoutMs} ms; unconsumed: ` +
          JSON.stringify(this.items.slice(this.consumed)))), timeoutMs);
      const look = () => {
        while (this.consumed < this.items.length) {
          const item = this.items[this.consumed++];
          if (predicate(item)) {
            clearTimeout(timer);
            resolve(item);
            return;
          }
        }
        if (this.socket.closeCode !== undefined) {
          clearTimeout(timer);
          reject(new Error(`socket closed (${this.socket.closeCode}) before a matching message`));
          return;
        }
        this.waiters.push(look);
      };
      look();
    });
  }

  // Items not consumed yet.
  pending() {
    return this.items.slice(this.consumed);
  }
}

class RawSocket {
  // Options: `token` (sent as Authorization: Bearer), `cookie` (MMAUTHTOKEN), `query`
  // ('?connection_id=...'), `headers`, `secure` (wss: with any certificate). Resolves once
  // open; rejects with the HTTP status when the server refused the upgrade.
  static open(gateway, {token, cookie, query = '', headers = {}, secure = false} = {}) {
    const all = {...headers};
    if (token) all.Authorization = `Bearer ${token}`;
    if (cookie) all.Cookie = `MMAUTHTOKEN=${cookie}`;
    const socket = new RawSocket(new WebSocket(websocketUrl(gateway, query, secure),
        {headers: all, rejectUnauthorized: false}));
    return new Promise((resolve, reject) => {
      socket.ws.once('open', () => resolve(socket));
      socket.ws.once('unexpected-response', (request, response) => {
        const error = new Error(`upgrade refused with HTTP ${response.statusCode}`);
        error.status = response.statusCode;
        reject(error);
      });
      socket.ws.once('error', reject);
    });
  }

  constructor(ws) {
    this.ws = ws;
    this.events = new Inbox(this);   // {event, data, broadcast, seq}
    this.replies = new Inbox(this);  // {status, seq_reply, data | error}
    this.received = 0;
    this.nextSeq = 1;
    this.closed = new Promise((resolve) => ws.once('close', (code) => {
      this.closeCode = code;
      resolve(code);
      this.events.wake();
      this.replies.wake();
    }));
    ws.on('error', () => {});  // the close event follows; tests look at that
    ws.on('message', (data) => {
      ++this.received;
      const message = JSON.parse(data.toString());
      (message.event !== undefined ? this.events : this.replies).push(message);
    });
  }

  // The next event (matching `predicate`).
  next(predicate, timeoutMs) {
    return this.events.take(predicate, timeoutMs);
  }

  // The next action reply (matching `predicate`).
  reply(predicate, timeoutMs) {
    return this.replies.take(predicate, timeoutMs);
  }

  send(value) {
    this.ws.send(typeof value === 'string' ? value : JSON.stringify(value));
  }

  // Sends {seq, action, data} and resolves with the reply carrying that seq_reply.
  request(action, data = undefined) {
    const seq = this.nextSeq++;
    this.send({seq, action, data});
    return this.reply((m) => m.seq_reply === seq);
  }

  closeWithin(timeoutMs = kWaitMs) {
    return Promise.race([this.closed, new Promise((resolve, reject) => setTimeout(
        () => reject(new Error(`socket still open after ${timeoutMs} ms`)), timeoutMs))]);
  }

  terminate() {
    this.ws.terminate();
    return this.closed;
  }
}

// The browser globals @mattermost/client's WebSocketClient uses, for node.
function installBrowserGlobals() {
  globalThis.window ??= new EventTarget();
  globalThis.WebSocket ??= WebSocket;
  globalThis.CloseEvent ??= class CloseEvent extends Event {
    constructor(type, init = {}) {
      super(type);
      this.code = init.code;
      this.wasClean = init.wasClean;
    }
  };
}

// The official client, connected and authenticated with `token` by authentication_challenge
// (as the webapp does once its cookie is gone). Resolves with {client, events}, where `events`
// collects every event in order, once hello arrived.
async function officialClient(gateway, token, config = {}) {
  installBrowserGlobals();
  const client = new WebSocketClient({
    newWebSocketFn: (url) => new WebSocket(url),
    minWebSocketRetryTime: 200,
    reconnectJitterRange: 0,
    ...config,
  });
  const events = [];
  // The webapp listens for missed messages; the client keeps its connection id only then.
  client.addMissedMessageListener(() => {});
  const hello = new Promise((resolve) => {
    client.addMessageListener((message) => {
      events.push(message);
      if (message.event === 'hello') resolve(message);
    });
  });
  client.initialize(websocketUrl(gateway), token);
  await withTimeout(hello, 'hello');
  return {client, events};
}

function withTimeout(promise, what, timeoutMs = kWaitMs) {
  let timer;
  return Promise.race([promise.finally(() => clearTimeout(timer)), new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${timeoutMs} ms`)),
        timeoutMs);
  })]);
}

// Resolves when `condition()` holds, polling; rejects after the timeout.
async function eventually(condition, what, timeoutMs = kWaitMs) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

// The world of the websocket tests: alice and bob in the private channel `plans`; carol in
// the team but not in it; a guest in the team who is only in the open channel `lounge` (with
// alice and carol).
async function buildSocketWorld(gateway) {
  const alice = await createUser(gateway, {username: 'alice'});
  const bob = await createUser(gateway, {username: 'bob'});
  const carol = await createUser(gateway, {username: 'carol'});
  const guest = await createUser(gateway, {username: 'guest', roles: 'system_guest'});
  const team = await alice.client.createTeam({name: 'ops', display_name: 'Ops', type: 'O'});
  for (const user of [bob, carol, guest]) await alice.client.addToTeam(team.id, user.id);
  const channel = await alice.client.createChannel({team_id: team.id, name: 'plans',
    display_name: 'Plans', type: 'P'});
  await alice.client.addToChannel(bob.id, channel.id);
  const lounge = await alice.client.createChannel({team_id: team.id, name: 'lounge',
    display_name: 'Lounge', type: 'O'});
  for (const user of [carol, guest]) await alice.client.addToChannel(user.id, lounge.id);
  return {alice, bob, carol, guest, team, channel, lounge};
}

module.exports = {RawSocket, officialClient, eventually, withTimeout, websocketUrl,
  buildSocketWorld};
