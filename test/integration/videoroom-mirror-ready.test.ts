// A VideoRoom mirror is only handed to subscribers once Janus lists it: right after answering
// `add_remote_publisher`, Janus 1.1.2 still refuses a subscriber with 428 "No such feed" about
// one time in fifteen.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startJanus, type JanusInstance } from '../support/janus-fixture.js';
import { JanusTestClient } from '../support/janus-client.js';
import { untilListed } from '../../src/plugins/videoroom/mirrors.js';
import type { JsonObject } from '../../src/protocol/messages.js';

const ROOM = 4242;
const ROUNDS = 100;

type PluginData = { plugindata?: { data?: JsonObject } };

describe('videoroom mirror readiness', () => {
  let janus: JanusInstance;
  let client: JanusTestClient;
  let session: number;
  let control: number;

  const request = async (body: JsonObject): Promise<JsonObject> => {
    const reply = (await client.request({ janus: 'message', session_id: session, handle_id: control, body })) as PluginData;
    return reply.plugindata?.data ?? {};
  };

  before(async () => {
    janus = await startJanus({ netns: false, plugins: ['videoroom'] });
    client = await JanusTestClient.connect(janus.wsUrl);
    session = await client.createSession();
    control = await client.attach(session, 'videoroom');
    assert.equal((await request({ request: 'create', room: ROOM })).videoroom, 'created');
  });
  after(async () => {
    await client.close();
    await janus.stop();
  });

  it(`a subscriber joins every remote publisher once it is listed (${ROUNDS} rounds)`, async () => {
    const refused: JsonObject[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const id = 1000 + round;
      const added = await request({
        request: 'add_remote_publisher', room: ROOM, id, iface: '127.0.0.1', streams: [{ type: 'audio', mindex: 0, mid: '0', codec: 'opus' }],
      });
      assert.equal(added.videoroom, 'success', JSON.stringify(added));
      await untilListed(request, ROOM, id);
      const subscriber = await client.attach(session, 'videoroom');
      const { event } = await client.requestWithEvent({
        janus: 'message', session_id: session, handle_id: subscriber, body: { request: 'join', ptype: 'subscriber', room: ROOM, streams: [{ feed: id }] },
      });
      const data = (event as PluginData).plugindata?.data ?? {};
      if (data.videoroom !== 'attached') refused.push(data);
      await client.request({ janus: 'detach', session_id: session, handle_id: subscriber });
      await request({ request: 'remove_remote_publisher', room: ROOM, id });
    }
    assert.deepEqual(refused, []);
  });
});
