'use strict';
// A real XMPP user for the e2e tests: @xmpp/client logged in to the test Prosody (lib/prosody.js)
// over plaintext on loopback, with every stanza it receives kept until a test takes it.
//
//   const alice = await XmppUser.login(prosody, 'alice', 'alicepass');
//   await alice.send(xml('presence', {to: 'town-square@mattermost.localhost/alice'}));
//   const message = await alice.waitFor((s) => s.is('message') && s.getChild('body'));
//   await alice.stop();

const {client, xml} = require('@xmpp/client');

const kWaitMs = 10_000;
const kMamNs = 'urn:xmpp:mam:2';
const kRsmNs = 'http://jabber.org/protocol/rsm';
const kForwardNs = 'urn:xmpp:forward:0';

class XmppUser {
  // `noDelay`: the client's socket sends each stanza at once (TCP_NODELAY), as the benchmark
  // wants; Node's default keeps Nagle's algorithm on.
  static async login(prosody, username, password, resource = 'e2e', {noDelay = false} = {}) {
    const connection = client({service: `xmpp://127.0.0.1:${prosody.c2sPort}`,
      domain: 'localhost', username, password, resource});
    const user = new XmppUser(connection);
    if (noDelay) connection.on('connect', () => connection.socket?.setNoDelay(true));
    connection.on('error', (error) => { user.errors.push(error); });
    connection.on('stanza', (stanza) => user.receive(stanza));
    user.jid = (await connection.start()).toString();
    await connection.send(xml('presence'));
    // @xmpp/client reconnects by itself (e.g. after the server restarted): available again.
    connection.on('online', () => {
      user.sessions += 1;
      connection.send(xml('presence')).catch(() => {});
    });
    connection.on('offline', () => { user.offline += 1; });
    connection.on('disconnect', () => { user.disconnects += 1; });
    return user;
  }

  constructor(connection) {
    this.connection = connection;
    this.jid = '';
    this.stanzas = [];   // received, not yet taken
    this.waiters = [];   // {match, resolve}
    this.errors = [];
    this.taps = [];      // {match, into}
    this.sessions = 1;   // sessions opened (reconnections add one)
    this.offline = 0;
    this.disconnects = 0;
    this.queries = 0;
  }

  receive(stanza) {
    const tap = this.taps.find((t) => t.match(stanza));
    if (tap) {
      tap.into.push(stanza);
      return;
    }
    const waiter = this.waiters.find((w) => w.match(stanza));
    if (waiter) {
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.resolve(stanza);
    } else {
      this.stanzas.push(stanza);
    }
  }

  send(stanza) {
    return this.connection.send(stanza);
  }

  // The first stanza (already received or still to come) that `match` accepts; it is taken.
  // Rejects after `timeoutMs` with what was received meanwhile.
  waitFor(match, timeoutMs = kWaitMs) {
    const index = this.stanzas.findIndex(match);
    if (index >= 0) return Promise.resolve(this.stanzas.splice(index, 1)[0]);
    return new Promise((resolve, reject) => {
      const waiter = {match, resolve: (stanza) => {
        clearTimeout(timer);
        resolve(stanza);
      }};
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`${this.jid}: no matching stanza within ${timeoutMs} ms; received:\n` +
          this.stanzas.map((s) => `  ${s.toString()}`).join('\n')));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  // Everything received within `ms` that `match` accepts (taken), e.g. to assert nothing came.
  async collect(ms, match = () => true) {
    await new Promise((resolve) => setTimeout(resolve, ms));
    const taken = this.stanzas.filter(match);
    this.stanzas = this.stanzas.filter((s) => !match(s));
    return taken;
  }

  // Joins a room: resolves with the join sequence up to and including the subject message.
  async join(roomJid, nick, history = null) {
    const muc = xml('x', {xmlns: 'http://jabber.org/protocol/muc'},
        history === null ? [] : [xml('history', {maxstanzas: String(history)})]);
    await this.send(xml('presence', {to: `${roomJid}/${nick}`}, muc));
    const sequence = [];
    const fromRoom = (s) => (s.attrs.from || '').startsWith(roomJid);
    for (;;) {
      const stanza = await this.waitFor((s) => (s.is('presence') || s.is('message')) &&
          fromRoom(s));
      sequence.push(stanza);
      if (stanza.is('message') && stanza.getChild('subject')) return sequence;
      if (stanza.attrs.type === 'error') return sequence;
    }
  }

  // From now on every stanza `match` accepts goes to the array `into` (in arrival order)
  // instead of the queue; returns the function that ends that.
  tap(match, into) {
    const tap = {match, into};
    this.taps.push(tap);
    return () => {
      const index = this.taps.indexOf(tap);
      if (index >= 0) this.taps.splice(index, 1);
    };
  }

  // One XEP-0313 query on a room's archive: {messages (the archived <message>s, oldest
  // first), complete, last (the page's last stanza-id)}; throws on an error answer.
  async mam(room, {after, before, max, timeoutMs = 30_000} = {}) {
    const queryid = `mam-${++this.queries}`;
    const results = [];
    const untap = this.tap((s) => s.is('message') &&
        s.getChild('result', kMamNs)?.attrs.queryid === queryid, results);
    const rsm = [];
    if (max !== undefined) rsm.push(xml('max', {}, String(max)));
    if (after) rsm.push(xml('after', {}, after));
    if (before !== undefined) rsm.push(xml('before', {}, before));
    try {
      await this.send(xml('iq', {type: 'set', to: room, id: queryid},
          xml('query', {xmlns: kMamNs, queryid}, rsm.length ? [xml('set', {xmlns: kRsmNs}, rsm)] : [])));
      const reply = await this.waitFor((s) => s.is('iq') && s.attrs.id === queryid, timeoutMs);
      if (reply.attrs.type !== 'result') {
        const error = new Error(`MAM query refused: ${reply}`);
        error.condition = errorCondition(reply);
        throw error;
      }
      const fin = reply.getChild('fin', kMamNs);
      return {
        messages: results.map((m) => m.getChild('result', kMamNs).getChild('forwarded', kForwardNs)
            .getChild('message')),
        complete: fin?.attrs.complete === 'true',
        last: fin?.getChild('set', kRsmNs)?.getChildText('last') ?? null,
      };
    } finally {
      untap();
    }
  }

  // Catch-up as clients do it after a reconnect: the room's archive after `after` (a stanza-id;
  // null = from the start), page after page until complete; the archived messages in order.
  async catchUp(room, after, pageSize = 250) {
    const messages = [];
    let cursor = after;
    for (;;) {
      const page = await this.mam(room, {after: cursor ?? undefined, max: pageSize});
      messages.push(...page.messages);
      if (page.complete || page.messages.length === 0) return messages;
      cursor = page.last;
    }
  }

  // XEP-0410 self-ping of our occupant JID: 'joined' when the room answers with a result,
  // otherwise the error's condition (not-acceptable: the room has forgotten us, rejoin).
  async selfPing(room, nick) {
    const id = `ping-${++this.queries}`;
    await this.send(xml('iq', {type: 'get', to: `${room}/${nick}`, id},
        xml('ping', {xmlns: 'urn:xmpp:ping'})));
    const reply = await this.waitFor((s) => s.is('iq') && s.attrs.id === id);
    return reply.attrs.type === 'result' ? 'joined' : errorCondition(reply);
  }

  stop() {
    return this.connection.stop().catch(() => {});
  }
}

// The stanza-id a room put on a message (XEP-0359).
function stanzaId(stanza) {
  const child = stanza.getChild('stanza-id', 'urn:xmpp:sid:0');
  return child ? child.attrs.id : undefined;
}

// A groupchat message to `room` with `id` (also its XEP-0359 origin-id), a body and extra
// payload elements (a <reply/>, <replace/>, <retract/>...).
function groupchat(room, id, body, extra = []) {
  return xml('message', {type: 'groupchat', to: room, id},
      xml('body', {}, body), xml('origin-id', {xmlns: 'urn:xmpp:sid:0', id}), ...extra);
}

// Polls an async `condition` until it resolves truthy (lib/websocket.js's eventually() is for
// synchronous ones); rejects after `timeoutMs` saying `what` did not happen.
async function until(condition, what, timeoutMs = kWaitMs) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const kReactionsNs = 'urn:xmpp:reactions:0';

// A XEP-0444 message: `emoji` is the sender's whole new set of reactions on message `target`.
function reactionMessage(attrs, target, emoji) {
  return xml('message', attrs,
      xml('reactions', {xmlns: kReactionsNs, id: target},
          ...emoji.map((e) => xml('reaction', {}, e))),
      xml('store', {xmlns: 'urn:xmpp:hints'}));
}

// The XEP-0444 content of a message, {id, emoji: [...]}, or undefined when it carries none.
function reactionsOf(stanza) {
  const reactions = stanza.getChild('reactions', kReactionsNs);
  if (!reactions) return undefined;
  return {id: reactions.attrs.id, emoji: reactions.getChildren('reaction').map((r) => r.text())};
}

// The defined condition of an error stanza ("not-acceptable", ...).
function errorCondition(stanza) {
  const error = stanza.getChild('error');
  if (!error) return undefined;
  const condition = error.children.find((c) => typeof c !== 'string' && c.name !== 'text');
  return condition ? condition.name : undefined;
}

module.exports = {XmppUser, errorCondition, groupchat, reactionMessage, reactionsOf, stanzaId, until,
  xml};
