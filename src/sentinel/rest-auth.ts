/** Bearer-token check for the sentinel's REST API, in constant time (hashing first evens the lengths). */
import { createHash, timingSafeEqual } from 'node:crypto';

export type BearerCheck = 'ok' | 'missing' | 'wrong';

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

export function checkBearer(authorization: string | undefined, token: string): BearerCheck {
  const match = authorization === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  const given = match?.[1];
  if (given === undefined) return 'missing';
  return timingSafeEqual(digest(given), digest(token)) ? 'ok' : 'wrong';
}
