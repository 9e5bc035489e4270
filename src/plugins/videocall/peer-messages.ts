/**
 * What one call party tells another (maybe on another proxy), validated when it arrives.
 * Requests expect a reply (invite, probe); notices do not. `call` names the call, so a late
 * message about a call that is over is recognised and dropped.
 */
import { z } from 'zod';

const jsepSchema = z.looseObject({ type: z.enum(['offer', 'answer']), sdp: z.string() });
export type PeerJsep = z.infer<typeof jsepSchema>;

const inviteSchema = z.object({
  type: z.literal('invite'),
  call: z.string().min(1),
  /** The caller's username. */
  from: z.string(),
  /** videocall: the backend the caller placed the call on, and the caller's username there. */
  backend: z.string().optional(),
  alias: z.string().optional(),
  /** p2pcall: the caller's offer. */
  jsep: jsepSchema.optional(),
});

export const peerRequestSchema = z.discriminatedUnion('type', [inviteSchema, z.object({ type: z.literal('probe') })]);
export type PeerRequest = z.infer<typeof peerRequestSchema>;
export type InviteRequest = z.infer<typeof inviteSchema>;

export const peerNoticeSchema = z.discriminatedUnion('type', [
  /** The caller gave up before the call reached the callee. */
  z.object({ type: z.literal('cancel'), call: z.string() }),
  z.object({ type: z.literal('accepted'), call: z.string(), jsep: jsepSchema }),
  z.object({ type: z.literal('update'), call: z.string(), jsep: jsepSchema.optional(), settings: z.record(z.string(), z.unknown()) }),
  z.object({ type: z.literal('trickle'), call: z.string(), candidates: z.array(z.unknown()) }),
  z.object({ type: z.literal('hangup'), call: z.string(), reason: z.string() }),
]);
export type PeerNotice = z.infer<typeof peerNoticeSchema>;

export const peerReplySchema = z.discriminatedUnion('result', [
  z.object({ result: z.literal('ok'), alias: z.string().optional() }),
  z.object({ result: z.literal('busy') }),
  /** No such party any more (the user left, or its proxy is gone). */
  z.object({ result: z.literal('gone') }),
  z.object({ result: z.literal('failed'), reason: z.string() }),
]);
export type PeerReply = z.infer<typeof peerReplySchema>;
