'use strict';
// The XMPP bridge end to end, reactions (XEP-0444) and direct messages (issue 6): a real
// parleyd (its XEP-0114 component) and PostgreSQL, a real Prosody (lib/prosody.js) and XMPP
// users on @xmpp/client (lib/xmpp.js). A channel linked to town-square@<component domain>:
// reactions cross it both ways as each author's whole set; and an XMPP user writes to
// alice@<component domain>, which lands in alice's direct channel with their puppet, and her
// replies (and her edits and deletions of them) go back as type='chat' from her JID; a Mattermost
// user can also write first to an XMPP user known from the room.

const assert = require('node:assert/strict');
const fs = require('node:fs');
const {after, before, describe, test} = require('node:test');

const {Gateway} = require('../lib/gateway');
const {openXmppBundle, policyFile} = require('../lib/policy_enforcement');
const {Prosody} = require('../lib/prosody');
const {eventually} = require('../lib/websocket');
const {buildWorld} = require('../lib/world');
const {XmppUser, errorCondition, reactionMessage, reactionsOf, stanzaId, until, xml} =
  require('../lib/xmpp');

const kDomain = 'mattermost.localhost';
const kRoom = `town-square@${kDomain}`;
const kThumbsUp = '\u{1F44D}';
const kHeart = '\u2764\uFE0F';
const kTada = '\u{1F389}';

describe('xmpp bridge: reactions and direct messages', () => {
  let prosody;
  let gateway;
  let world;
  let alice;  // Client4
  let bob;
  let xena;   // in the room from the start
  const xmppUsers = [];

  const login = async (name) => {
    const user = await XmppUser.login(prosody, name, `${name}pass`);
    xmppUsers.push(user);
    return user;
  };

  // Every reaction on a post, as "<username> <emoji name>", sorted.
  const reactionsOn = async (postId, reader = alice) => {
    const reactions = (await reader.getReactionsForPost(postId)) || [];
    const names = [];
    for (const reaction of reactions) {
      const user = await reader.getUser(reaction.user_id);
      names.push(`${user.username} ${reaction.emoji_name}`);
    }
    return names.sort();
  };

  // A Mattermost post as xena receives it in the room.
  const postSeenByXena = async (message) => {
    const post = await alice.createPost({channel_id: world.channels.town, message});
    await xena.waitFor((s) => s.is('message') && stanzaId(s) === post.id);
    return post;
  };

  // The next XEP-0444 message about `postId` that xena receives from the room.
  const reactionsSeenByXena = (postId) => xena.waitFor((s) => s.is('message') &&
      s.attrs.type === 'groupchat' && reactionsOf(s)?.id === postId);

  before(async () => {
    prosody = await Prosody.start({users: [['xena', 'xenapass'], ['yuri', 'yuripass'], ['zoe', 'zoepass']]});
    process.env.PARLEY_XMPP_SECRET = prosody.componentSecret;
    const policy = policyFile(openXmppBundle('e2e-xmpp-reactions-dm'));
    gateway = await Gateway.start({extra: prosody.gatewayBridgeYaml() + policy.extra});
    world = await buildWorld(gateway, {
      users: {alice: 'system_user', bob: 'system_user'},
      teams: {ops: ['admin', 'alice', 'bob']},
      channels: {town: {team: 'ops', name: 'town-square', members: ['admin', 'alice', 'bob']}},
    });
    fs.appendFileSync(gateway.config,
        'links:\n  - {channel: ops/town-square, bridge: xmpp, remote: town-square}\n');
    await gateway.restart();
    await eventually(() => gateway.log().includes('"msg":"hosting the rooms of the xmpp links"') &&
        gateway.log().includes('"rooms":1'), 'the room to be hosted', 20_000);
    alice = world.client('alice');  // after the restart: the gateway has a new port
    bob = world.client('bob');
    xena = await login('xena');
    const joined = await xena.join(kRoom, 'xena');
    assert.ok(joined.some((s) => s.is('presence') && s.attrs.from === `${kRoom}/xena`));
  });

  after(async () => {
    for (const user of xmppUsers) await user.stop();
    await gateway?.stop();
    await prosody?.stop();
  });

  test('an XMPP user\'s reaction set becomes their puppet\'s reactions, removals included', async () => {
    const post = await postSeenByXena('react to this');
    // Her whole set: two emoji Mattermost knows and one it has no name for (left out).
    await xena.send(reactionMessage({type: 'groupchat', to: kRoom, id: 'r-1'}, post.id,
        [kThumbsUp, kHeart, 'not an emoji']));
    // The room reflects it to its occupants once it is applied.
    const reflected = await xena.waitFor((s) => s.is('message') && s.attrs.id === 'r-1');
    assert.equal(reflected.attrs.type, 'groupchat');
    assert.equal(reactionsOf(reflected).id, post.id);
    assert.deepEqual(await reactionsOn(post.id), ['xena:localhost +1', 'xena:localhost heart']);

    // A smaller set removes what is gone from it.
    await xena.send(reactionMessage({type: 'groupchat', to: kRoom, id: 'r-2'}, post.id, [kHeart]));
    await xena.waitFor((s) => s.is('message') && s.attrs.id === 'r-2');
    assert.deepEqual(await reactionsOn(post.id), ['xena:localhost heart']);

    // An empty set removes them all.
    await xena.send(reactionMessage({type: 'groupchat', to: kRoom, id: 'r-3'}, post.id, []));
    await xena.waitFor((s) => s.is('message') && s.attrs.id === 'r-3');
    assert.deepEqual(await reactionsOn(post.id), []);

    // Her reactions came from XMPP: none of them is sent back to the room.
    const echoes = await xena.collect(1500, (s) => s.is('message') && reactionsOf(s) &&
        s.attrs.from === `${kRoom}/xena:localhost`);
    assert.deepEqual(echoes, []);
  });

  test('a Mattermost user\'s reactions reach the room as their whole set on the post', async () => {
    const post = await postSeenByXena('a post to react to');
    const bobId = world.users.bob.id;

    await bob.addReaction(bobId, post.id, '+1');
    let stanza = await reactionsSeenByXena(post.id);
    assert.equal(stanza.attrs.from, `${kRoom}/bob`);
    assert.deepEqual(reactionsOf(stanza).emoji, [kThumbsUp]);

    await bob.addReaction(bobId, post.id, 'tada');
    stanza = await reactionsSeenByXena(post.id);
    assert.deepEqual(reactionsOf(stanza).emoji, [kThumbsUp, kTada]);

    await bob.removeReaction(bobId, post.id, '+1');
    stanza = await reactionsSeenByXena(post.id);
    assert.deepEqual(reactionsOf(stanza).emoji, [kTada]);

    // The last one removed: an empty set.
    await bob.removeReaction(bobId, post.id, 'tada');
    stanza = await reactionsSeenByXena(post.id);
    assert.equal(stanza.attrs.from, `${kRoom}/bob`);
    assert.deepEqual(reactionsOf(stanza).emoji, []);
  });

  test('reactions on a post that came from XMPP name it by its stanza-id both ways', async () => {
    await xena.send(xml('message', {type: 'groupchat', to: kRoom, id: 'x-1'},
        xml('body', {}, 'my own message'), xml('origin-id', {xmlns: 'urn:xmpp:sid:0', id: 'x-1'})));
    const reflected = await xena.waitFor((s) => s.is('message') && s.attrs.id === 'x-1');
    const postId = stanzaId(reflected);
    assert.match(postId, /^[a-z0-9]{26}$/);

    await alice.addReaction(world.users.alice.id, postId, 'heart');
    const stanza = await reactionsSeenByXena(postId);
    assert.equal(stanza.attrs.from, `${kRoom}/alice`);
    assert.deepEqual(reactionsOf(stanza).emoji, [kHeart]);

    await xena.send(reactionMessage({type: 'groupchat', to: kRoom, id: 'r-4'}, postId, [kTada]));
    await xena.waitFor((s) => s.is('message') && s.attrs.id === 'r-4');
    assert.deepEqual(await reactionsOn(postId), ['alice heart', 'xena:localhost tada']);
  });

  test('a reaction to an id the room does not know is item-not-found and changes nothing', async () => {
    const post = await postSeenByXena('nobody reacts to this one');
    await xena.send(reactionMessage({type: 'groupchat', to: kRoom, id: 'r-5'}, post.id, [kHeart]));
    await xena.waitFor((s) => s.is('message') && s.attrs.id === 'r-5');
    for (const [id, target] of [['r-6', 'zzzzzzzzzzzzzzzzzzzzzzzzzz'], ['r-7', 'no-such-message']]) {
      await xena.send(reactionMessage({type: 'groupchat', to: kRoom, id}, target, [kThumbsUp]));
      const error = await xena.waitFor((s) => s.attrs.type === 'error' && s.attrs.id === id);
      assert.equal(errorCondition(error), 'item-not-found', error.toString());
    }
    const reflections = await xena.collect(1000, (s) => s.is('message') &&
        ['r-6', 'r-7'].includes(s.attrs.id) && s.attrs.type !== 'error');
    assert.deepEqual(reflections, []);
    assert.deepEqual(await reactionsOn(post.id), ['xena:localhost heart']);
  });

  test('an XMPP user\'s direct message reaches alice and her replies go back as chat', async () => {
    const teamId = world.teams.ops;
    await xena.send(xml('message', {type: 'chat', to: `alice@${kDomain}`, id: 'd-1'},
        xml('body', {}, 'hello *alice*'), xml('origin-id', {xmlns: 'urn:xmpp:sid:0', id: 'd-1'})));
    let direct;
    await until(async () => {
      direct = (await alice.getMyChannels(teamId)).find((c) => c.type === 'D');
      return direct;
    }, 'the direct channel with xena\'s puppet');
    let posts;
    await until(async () => {
      posts = Object.values((await alice.getPosts(direct.id)).posts);
      return posts.length > 0;
    }, 'the direct message');
    assert.deepEqual(posts.map((p) => p.message), ['hello **alice**']);
    const puppet = await alice.getUser(posts[0].user_id);
    assert.equal(puppet.username, 'xena:localhost');
    assert.ok(direct.name.includes(world.users.alice.id));

    // Her reply: type chat from alice's JID to xena's bare JID, styled for XMPP; not a room's.
    const reply = await alice.createPost({channel_id: direct.id, message: 'hi **xena**'});
    const chat = await xena.waitFor((s) => s.is('message') && s.attrs.type === 'chat' &&
        s.getChildText('body') === 'hi *xena*');
    assert.equal(chat.attrs.from, `alice@${kDomain}`);
    assert.equal(chat.attrs.to.split('/')[0], 'xena@localhost');
    const sentId = chat.attrs.id;
    assert.ok(sentId);

    // xena reacts to it in the chat (XEP-0444 names a chat message by its id): a reaction of
    // her puppet on alice's post; nothing comes back to her.
    await xena.send(reactionMessage({type: 'chat', to: `alice@${kDomain}`, id: 'd-2'}, sentId,
        [kTada]));
    await until(async () => (await reactionsOn(reply.id)).length > 0, 'the reaction in the DM');
    assert.deepEqual(await reactionsOn(reply.id), ['xena:localhost tada']);

    // Her edit is a XEP-0308 correction of that message, her deletion a XEP-0424 retraction.
    await alice.patchPost({id: reply.id, message: 'hi **xena**, again'});
    const correction = await xena.waitFor((s) => s.is('message') &&
        s.getChild('replace', 'urn:xmpp:message-correct:0'));
    assert.equal(correction.attrs.type, 'chat');
    assert.equal(correction.getChild('replace', 'urn:xmpp:message-correct:0').attrs.id, sentId);
    assert.equal(correction.getChildText('body'), 'hi *xena*, again');
    await alice.deletePost(reply.id);
    const retraction = await xena.waitFor((s) => s.is('message') &&
        s.getChild('retract', 'urn:xmpp:message-retract:1'));
    assert.equal(retraction.attrs.from, `alice@${kDomain}`);
    assert.equal(retraction.getChild('retract', 'urn:xmpp:message-retract:1').attrs.id, sentId);

    // Her own message and her reaction are not sent back to her.
    const echoes = await xena.collect(1000, (s) => s.is('message') &&
        (s.getChildText('body') === 'hello *alice*' || reactionsOf(s) !== undefined));
    assert.deepEqual(echoes, []);
  });

  test('in a chat, an XMPP user\'s reaction and reply to their own message find it', async () => {
    await xena.send(xml('message', {type: 'chat', to: `bob@${kDomain}`, id: 'q-1'},
        xml('body', {}, 'a question for bob'), xml('origin-id', {xmlns: 'urn:xmpp:sid:0', id: 'q-1'})));
    let question;
    await until(async () => {
      const direct = (await bob.getMyChannels(world.teams.ops)).find((c) => c.type === 'D');
      if (!direct) return false;
      question = Object.values((await bob.getPosts(direct.id)).posts)
          .find((p) => p.message === 'a question for bob');
      return question;
    }, 'xena\'s direct message to bob');

    // XEP-0444 and XEP-0461 in a chat name her own message by the id she gave it.
    await xena.send(reactionMessage({type: 'chat', to: `bob@${kDomain}`, id: 'q-2'}, 'q-1', [kHeart]));
    await xena.send(xml('message', {type: 'chat', to: `bob@${kDomain}`, id: 'q-3'},
        xml('body', {}, 'and a follow-up'), xml('reply', {xmlns: 'urn:xmpp:reply:0', id: 'q-1'})));
    let followUp;
    await until(async () => {
      followUp = Object.values((await bob.getPosts(question.channel_id)).posts)
          .find((p) => p.message === 'and a follow-up');
      return followUp && (await reactionsOn(question.id, bob)).length > 0;
    }, 'the reaction and the reply');
    assert.deepEqual(await reactionsOn(question.id, bob), ['xena:localhost heart']);
    assert.equal(followUp.root_id, question.id);
    const errors = await xena.collect(500, (s) => s.attrs.type === 'error');
    assert.deepEqual(errors.map((s) => s.toString()), []);
  });

  test('a Mattermost user starts a direct message with an XMPP user who has not written to them', async () => {
    // zoe has only spoken in the room, so she has a puppet and no direct channel with anyone.
    const zoe = await login('zoe');
    await zoe.join(kRoom, 'zoe');
    await zoe.send(xml('message', {type: 'groupchat', to: kRoom, id: 'z-1'},
        xml('body', {}, 'zoe here'), xml('origin-id', {xmlns: 'urn:xmpp:sid:0', id: 'z-1'})));
    await zoe.waitFor((s) => s.is('message') && s.attrs.id === 'z-1');
    const puppet = (await alice.searchUsers('zoe', {})).find((u) => u.username === 'zoe:localhost');
    assert.ok(puppet, 'zoe\'s puppet can be found');

    const direct = await alice.createDirectChannel([world.users.alice.id, puppet.id]);
    await alice.createPost({channel_id: direct.id, message: 'hello **zoe**, alice here'});
    const chat = await zoe.waitFor((s) => s.is('message') && s.attrs.type === 'chat' &&
        s.getChildText('body') === 'hello *zoe*, alice here');
    assert.equal(chat.attrs.from, `alice@${kDomain}`);

    // Her answer lands in the same direct channel, not a new one.
    await zoe.send(xml('message', {type: 'chat', to: `alice@${kDomain}`, id: 'z-2'},
        xml('body', {}, 'hi alice'), xml('origin-id', {xmlns: 'urn:xmpp:sid:0', id: 'z-2'})));
    await until(async () => Object.values((await alice.getPosts(direct.id)).posts)
        .some((p) => p.message === 'hi alice'), 'zoe\'s answer in the direct channel');
    const directs = (await alice.getMyChannels(world.teams.ops))
        .filter((c) => c.type === 'D' && c.name.includes(puppet.id));
    assert.deepEqual(directs.map((c) => c.id), [direct.id]);
  });

  test('a direct message to a user Parley does not have is item-not-found and posts nothing', async () => {
    const yuri = await login('yuri');
    const before = (await alice.getMyChannels(world.teams.ops)).map((c) => c.id).sort();
    for (const [id, to] of [['u-1', `nobody@${kDomain}`], ['u-2', `9lives@${kDomain}`]]) {
      await yuri.send(xml('message', {type: 'chat', to, id}, xml('body', {}, 'anyone there?')));
      const error = await yuri.waitFor((s) => s.attrs.type === 'error' && s.attrs.id === id);
      assert.equal(errorCondition(error), 'item-not-found', error.toString());
    }
    const afterwards = (await alice.getMyChannels(world.teams.ops)).map((c) => c.id).sort();
    assert.deepEqual(afterwards, before);
    const admin = world.client('admin');
    const found = await admin.searchUsers('yuri', {});
    assert.deepEqual(found.filter((u) => u.username.startsWith('yuri')), [], 'no puppet was made');
  });
});
