/**
 * Keeps String.prototype in V8's fast mode once ioredis is loaded. ioredis defines `class
 * VerbatimString extends String` (its RESP3 decoder); on Node 20 (V8 11.3) making String.prototype
 * the prototype of a user class turns it into a dictionary-mode object, and optimised code then
 * calls the `charCodeAt` builtin instead of inlining it — 7× slower per character, and the proxy
 * reads Janus's events character by character (RelayedEvent): +4 µs per relayed message on a Redis
 * store (README, Benchmarks). Property loads through a String wrapper, once its inline cache is
 * live, make V8 mark String.prototype as a prototype that should be fast: it is migrated back, and a
 * later subclass no longer turns it into a dictionary.
 */
/* eslint-disable @typescript-eslint/no-wrapper-object-types -- the point is a String wrapper object */

/** Enough calls for V8 to give the function its inline caches (it does after 8) and then use them. */
const LOADS = 32;

export function keepStringPrototypeFast(): void {
  // A wrapper object: a primitive string's loads do not make V8 fix up its prototypes.
  const wrapper = new String('');
  for (let i = 0; i < LOADS; i++) loadThroughWrapper(wrapper);
}

function loadThroughWrapper(wrapper: String): number {
  return wrapper.charCodeAt(0);
}
