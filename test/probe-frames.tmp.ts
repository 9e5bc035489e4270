import { startJanus } from './support/janus-fixture.js';
import { JanusTestClient } from './support/janus-client.js';
const j = await startJanus({ netns: false, plugins: ['echotest'] });
try {
  const cases = [
    '{"janus":"ping","transaction":"a"}\n',
    '{"janus":"ping","transaction":"b"}{"janus":"ping","transaction":}{"janus":"ping","transaction":"c"}',
    'x{"janus":"ping","transaction":"d"}',
    '{"janus":"ping","transaction":"e"}[]',
    '{"janus":"ping","transaction":"f"}{"janus":"ping","transaction":"g"}}',
    '{"janus":"ping","transaction":"h"}{"janus":"ping","transaction":"i"} ',
    '',
    '   ',
    '{"janus":"ping","transaction":"j"}{"janus":"ping","transaction":"j"}',
    '{"janus":"ping","transaction":"k"}{"janus":"ping","transaction":"k2"',
];
  for (const c of cases) {
    const cl = await JanusTestClient.connect(j.wsUrl);
    cl.sendRaw(c);
    await new Promise((r) => setTimeout(r, 400));
    console.log('IN ', JSON.stringify(c));
    for (const f of cl.rawFrames) console.log('OUT', f.replace(/\s+/g, ' '));
    console.log('closed', cl.isClosed);
    await cl.close();
  }
} finally { await j.stop(); }
