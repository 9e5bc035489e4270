import { randomInt } from 'node:crypto';

declare const brand: unique symbol;
type Brand<T, B extends string> = T & { readonly [brand]: B };

/** Ids the proxy shows to its clients. */
export type ClientSessionId = Brand<number, 'ClientSessionId'>;
export type ClientHandleId = Brand<number, 'ClientHandleId'>;
/** Ids a backend Janus gave us; never shown to clients. */
export type BackendSessionId = Brand<number, 'BackendSessionId'>;
export type BackendHandleId = Brand<number, 'BackendHandleId'>;

const MAX_SAFE_ID = Number.MAX_SAFE_INTEGER; // 2^53 - 1, like Janus's 53-bit mask

/** A random id in [1, 2^53-1], as Janus mints them. */
export function randomId(): number {
  // randomInt is limited to ranges < 2^48, so combine two draws for 53 bits.
  const high = randomInt(0, 2 ** 21);
  const low = randomInt(0, 2 ** 32);
  const id = high * 2 ** 32 + low;
  return id === 0 || id > MAX_SAFE_ID ? randomId() : id;
}

/** Draws ids until `taken` says one is free. */
export function uniqueId<T extends number>(taken: (id: T) => boolean): T {
  for (;;) {
    const id = randomId() as T;
    if (!taken(id)) return id;
  }
}

let transactionCounter = 0;
const transactionPrefix = randomInt(0, 2 ** 32).toString(36).padStart(7, '0');

/**
 * Transaction ids for proxy → backend requests: unique per process, cheap to make, and always
 * longer than 10 characters — V8's JSON.parse interns shorter string values, so every reply
 * carrying a short unique id would cost a string-table insert.
 */
export function nextBackendTransaction(): string {
  transactionCounter = (transactionCounter + 1) % Number.MAX_SAFE_INTEGER;
  return `${transactionPrefix}-${transactionCounter.toString(36).padStart(4, '0')}`;
}

const HYPHEN = 0x2d;
/** Where the counter's digits start in a transaction nextBackendTransaction made (after the prefix and its hyphen). */
const DIGITS_AT = transactionPrefix.length + 1;

/** The counter of a transaction nextBackendTransaction made in this process; undefined for any other string. */
export function backendTransactionNumber(transaction: string): number | undefined {
  if (transaction.length <= DIGITS_AT || transaction.charCodeAt(DIGITS_AT - 1) !== HYPHEN || !transaction.startsWith(transactionPrefix)) return undefined;
  let n = 0;
  for (let i = DIGITS_AT; i < transaction.length; i++) {
    const c = transaction.charCodeAt(i);
    const digit = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x7a ? c - 0x61 + 10 : -1;
    if (digit < 0) return undefined;
    n = n * 36 + digit;
  }
  return n <= Number.MAX_SAFE_INTEGER ? n : undefined;
}
