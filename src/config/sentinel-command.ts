/** The supervised command, as a shell-like string or an argv list; either way it becomes argv. */
import { z } from 'zod';
import { splitCommandLine } from './command-line.js';

export const commandLineSchema = z
  .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
  .transform((value, ctx) => {
    if (Array.isArray(value)) return value;
    try {
      const argv = splitCommandLine(value);
      if (argv.length > 0) return argv;
      ctx.addIssue({ code: 'custom', message: 'empty command line' });
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: err instanceof Error ? err.message : String(err) });
    }
    return z.NEVER;
  });
