import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readLibconfigStrings } from '../../src/sentinel/recordings/libconfig-strings.js';
import { janusConfigArgs, janusRecordingDirs } from '../../src/sentinel/recordings/janus-recording-dirs.js';

test('libconfig strings come with their top-level group; comments, numbers and lists are skipped', () => {
  const text = [
    '# rec_dir = "/commented/out"',
    'general: {',
    '\tpath = "/var/rec" // trailing comment',
    '\tevents = false',
    '}',
    '/* block: rec_dir = "/no" */',
    'room-1234: {',
    '\tdescription = "Demo \\"Room\\""',
    '\tbitrate = 128000',
    '\tlist = [ "a", "b" ]',
    '\trec_dir: "relative/dir"',
    '}',
  ].join('\n');
  assert.deepEqual(readLibconfigStrings(text), [
    { section: 'general', key: 'path', value: '/var/rec' },
    { section: 'room-1234', key: 'description', value: 'Demo "Room"' },
    { section: 'room-1234', key: 'rec_dir', value: 'relative/dir' },
  ]);
  assert.deepEqual(readLibconfigStrings('general: { path = "/unterminated'), [{ section: 'general', key: 'path', value: '/unterminated' }]);
});

test('the config file and configs folder of a Janus command line, in every spelling', () => {
  assert.deepEqual(janusConfigArgs(['janus', '-C', '/a/janus.jcfg', '-F', '/a']), { configFile: '/a/janus.jcfg', configsFolder: '/a' });
  assert.deepEqual(janusConfigArgs(['janus', '--config=/b.jcfg', '--configs-folder', '/b']), { configFile: '/b.jcfg', configsFolder: '/b' });
  assert.deepEqual(janusConfigArgs(['janus', '-C/c.jcfg', '-d', '5']), { configFile: '/c.jcfg' });
  assert.deepEqual(janusConfigArgs(['janus']), {});
});

test('recording folders: each enabled plugin\'s folders from the configs folder, relative to the working directory, plus that directory', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'jc-recdirs-'));
  t.after(() => { rmSync(root, { recursive: true, force: true }); });
  const configs = join(root, 'configs');
  mkdirSync(configs);
  const core = join(root, 'janus.jcfg');
  writeFileSync(core, `general: {\n\tconfigs_folder = "${configs}"\n}\nplugins: {\n\tdisable = "libjanus_echotest.so, libjanus_recordplay.so"\n}\n`);
  writeFileSync(join(configs, 'janus.plugin.videoroom.jcfg'), 'general: {\n}\nroom-1: {\n\trec_dir = "/srv/rooms"\n}\nroom-2: {\n\trec_dir = "rel"\n}\n');
  writeFileSync(join(configs, 'janus.plugin.audiobridge.jcfg'), 'room-3: {\n\trecord_dir = "/srv/wav"\n\tmjrs_dir = "/srv/mjrs"\n}\n');
  writeFileSync(join(configs, 'janus.plugin.recordplay.jcfg'), 'general: {\n\tpath = "/srv/recordplay"\n}\n');
  // configs_folder from janus.jcfg; RecordPlay is disabled; AudioBridge's .wav folder holds no .mjr.
  assert.deepEqual(await janusRecordingDirs({ argv: ['janus', '-C', core], cwd: '/run/janus' }),
    ['/run/janus', '/srv/rooms', '/run/janus/rel', '/srv/mjrs']);
  // -F wins over configs_folder; no janus.jcfg readable: nothing disabled.
  const other = join(root, 'other');
  mkdirSync(other);
  writeFileSync(join(other, 'janus.plugin.recordplay.jcfg'), readFileSync(join(configs, 'janus.plugin.recordplay.jcfg')));
  assert.deepEqual(await janusRecordingDirs({ argv: ['janus', '-C', 'missing.jcfg', '-F', 'other'], cwd: root }), [root, '/srv/recordplay']);
  // Without a working directory, relative folders are unknown.
  assert.deepEqual(await janusRecordingDirs({ argv: ['janus', '-C', core] }), ['/srv/rooms', '/srv/mjrs']);
});
