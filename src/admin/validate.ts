/** Validates a request part with a zod schema; a failure is a 400 naming each bad field. */
import type { z } from 'zod';
import { httpErrors } from './errors.js';

export function validate<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const reason = result.error.issues
    .map((issue) => {
      const path = issue.path.join('.') || 'body';
      return issue.code === 'unrecognized_keys' ? `${path}: unknown key(s) ${issue.keys.join(', ')}` : `${path}: ${issue.message}`;
    })
    .join('; ');
  throw httpErrors.badRequest(reason);
}
