// Moved to src/load (the janus-load command uses it at runtime); kept here so tests import from test/support.
export * from '../../src/load/werift-peer.js';
