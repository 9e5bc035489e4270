/**
 * The Lua scripts and the record codec of the Redis server store. Each script names every key it
 * touches in KEYS and makes its write, the index update and the change notification one atomic step.
 */
import { z } from 'zod';
import { SERVER_SOURCES, serverReportSchema, type ServerRecord } from '../../protocol/server-record.js';
import { RedisScript } from './connection.js';

/**
 * Compare-and-set of one record. The merge itself runs in TypeScript (`mergeReport`, shared with
 * the memory store); this only writes if the record is still what the merge was computed from.
 * KEYS: record, index set. ARGV: had previous ('1'/'0'), previous JSON, new JSON, TTL ms (0 = none),
 * name, change channel. Returns 1 when written, 0 when someone else wrote first.
 */
export const compareAndSetScript = new RedisScript(`
local current = redis.call('GET', KEYS[1])
if ARGV[1] == '1' then
  if current ~= ARGV[2] then return 0 end
elseif current then
  return 0
end
if tonumber(ARGV[4]) > 0 then
  redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
else
  redis.call('SET', KEYS[1], ARGV[3])
end
redis.call('SADD', KEYS[2], ARGV[5])
redis.call('PUBLISH', ARGV[6], ARGV[5])
return 1
`);

/** KEYS: record, index set. ARGV: name, change channel. Returns 1 when the record existed. */
export const removeScript = new RedisScript(`
local removed = redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[1])
if removed == 1 then redis.call('PUBLISH', ARGV[2], ARGV[1]) end
return removed
`);

/**
 * Drops index members whose record key has expired, checking again inside the script so a record
 * re-created since the caller's MGET stays listed. KEYS: index set, then one record key per name.
 * ARGV: change channel, then the names. Returns how many were dropped.
 */
export const pruneScript = new RedisScript(`
local pruned = 0
for i = 2, #ARGV do
  if redis.call('EXISTS', KEYS[i]) == 0 and redis.call('SREM', KEYS[1], ARGV[i]) == 1 then
    redis.call('PUBLISH', ARGV[1], ARGV[i])
    pruned = pruned + 1
  end
end
return pruned
`);

/**
 * A stored record as read back: the report fields plus the record's own. Loose, so fields added by
 * a newer proxy survive a round trip through an older one.
 */
const storedRecordSchema = z.looseObject({
  ...serverReportSchema.shape,
  source: z.enum(SERVER_SOURCES),
  drained: z.boolean().optional(),
  expire: z.number().int().min(0),
  created_at: z.number(),
  updated_at: z.number(),
});

/** Fails to compile when ServerRecord gains a required field the schema above does not know. */
const schemaCoversRecord = (parsed: z.infer<typeof storedRecordSchema>): ServerRecord => parsed;

/** The record stored as `raw`, or undefined when it is not valid JSON or not a server record. */
export function decodeRecord(raw: string): ServerRecord | undefined {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return undefined;
  }
  const parsed = storedRecordSchema.safeParse(json);
  return parsed.success ? schemaCoversRecord(parsed.data) : undefined;
}

export function encodeRecord(record: ServerRecord): string {
  return JSON.stringify(record);
}
