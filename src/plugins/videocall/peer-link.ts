/**
 * Messages between call parties over the proxies' bus: a party is addressed by its proxy and its
 * owner key (the registering handle), so a message never reaches someone who registered the same
 * name later. Requests get exactly one reply: the callee's, `gone` when the party is not there,
 * or `failed` on a deadline — a silent proxy cannot hold a caller forever.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { MessageBus } from '../../store/bus.js';
import type { JsonObject } from '../../protocol/messages.js';
import { peerNoticeSchema, peerReplySchema, peerRequestSchema, type PeerNotice, type PeerReply, type PeerRequest } from './peer-messages.js';

export const PEER_REQUEST_TIMEOUT_MS = 5_000;

export interface PartyAddress {
  readonly proxy: string;
  readonly owner: string;
}

export interface PeerEndpoint {
  onPeerRequest(from: PartyAddress, request: PeerRequest): Promise<PeerReply>;
  onPeerNotice(from: PartyAddress, notice: PeerNotice): void;
}

const addressSchema = z.object({ proxy: z.string(), owner: z.string() });
const envelopeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('request'), id: z.string(), to: z.string(), from: addressSchema, body: z.unknown() }),
  z.object({ kind: z.literal('notice'), to: z.string(), from: addressSchema, body: z.unknown() }),
  z.object({ kind: z.literal('reply'), id: z.string(), body: z.unknown() }),
]);
type Envelope = z.infer<typeof envelopeSchema>;

interface Pending {
  resolve(reply: PeerReply): void;
  timer: NodeJS.Timeout;
}

export class PeerLink {
  private readonly endpoints = new Map<string, PeerEndpoint>();
  private readonly pending = new Map<string, Pending>();
  private readonly unsubscribe: () => void;

  constructor(private readonly bus: MessageBus, private readonly topic: string, private readonly logger: Logger) {
    this.unsubscribe = bus.subscribe(topic, (message) => {
      this.receive(message);
    });
  }

  get proxyId(): string {
    return this.bus.proxyId;
  }

  /** Makes `endpoint` reachable as `owner` on this proxy; returns the detach function. */
  attach(owner: string, endpoint: PeerEndpoint): () => void {
    this.endpoints.set(owner, endpoint);
    return () => {
      if (this.endpoints.get(owner) === endpoint) this.endpoints.delete(owner);
    };
  }

  request(to: PartyAddress, from: string, body: PeerRequest, timeoutMs = PEER_REQUEST_TIMEOUT_MS): Promise<PeerReply> {
    const id = randomUUID();
    const reply = new Promise<PeerReply>((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve({ result: 'failed', reason: 'no answer from the callee' });
      }, timeoutMs);
      timer.unref();
      this.pending.set(id, { resolve, timer });
    });
    const envelope: Envelope = { kind: 'request', id, to: to.owner, from: this.address(from), body };
    this.send(to.proxy, envelope).then(
      (delivered) => {
        if (!delivered) this.settle(id, { result: 'gone' });
      },
      (err: unknown) => {
        this.settle(id, { result: 'failed', reason: 'the call could not be delivered' });
        this.logger.warn({ err: errorText(err) }, 'peer request not sent');
      },
    );
    return reply;
  }

  /** No answer expected; resolves false when no proxy listens at `to.proxy` (or the bus failed). */
  notify(to: PartyAddress, from: string, body: PeerNotice): Promise<boolean> {
    const envelope: Envelope = { kind: 'notice', to: to.owner, from: this.address(from), body };
    return this.send(to.proxy, envelope).catch((err: unknown) => {
      this.logger.warn({ err: errorText(err), notice: body.type }, 'peer notice not sent');
      return false;
    });
  }

  close(): void {
    this.unsubscribe();
    for (const [id] of this.pending) this.settle(id, { result: 'failed', reason: 'shutting down' });
    this.endpoints.clear();
  }

  private address(owner: string): PartyAddress {
    return { proxy: this.bus.proxyId, owner };
  }

  private send(proxy: string, envelope: Envelope): Promise<boolean> {
    return this.bus.publish(proxy, this.topic, envelope);
  }

  private settle(id: string, reply: PeerReply): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    this.pending.delete(id);
    clearTimeout(pending.timer);
    pending.resolve(reply);
  }

  private receive(message: JsonObject): void {
    const envelope = envelopeSchema.safeParse(message);
    if (!envelope.success) {
      this.logger.warn({ topic: this.topic }, 'ignored a malformed peer message');
      return;
    }
    const e = envelope.data;
    if (e.kind === 'reply') {
      const reply = peerReplySchema.safeParse(e.body);
      this.settle(e.id, reply.success ? reply.data : { result: 'failed', reason: 'malformed answer from the callee' });
    } else if (e.kind === 'request') {
      void this.answer(e.id, e.to, e.from, e.body);
    } else {
      const notice = peerNoticeSchema.safeParse(e.body);
      if (notice.success) this.endpoints.get(e.to)?.onPeerNotice(e.from, notice.data);
      else this.logger.warn({ topic: this.topic }, 'ignored a malformed peer notice');
    }
  }

  private async answer(id: string, to: string, from: PartyAddress, body: unknown): Promise<void> {
    const request = peerRequestSchema.safeParse(body);
    const endpoint = this.endpoints.get(to);
    let reply: PeerReply;
    if (!request.success) reply = { result: 'failed', reason: 'malformed request' };
    else if (!endpoint) reply = { result: 'gone' };
    else {
      try {
        reply = await endpoint.onPeerRequest(from, request.data);
      } catch (err) {
        this.logger.error({ err }, 'peer request handler failed');
        reply = { result: 'failed', reason: 'the callee could not take the call' };
      }
    }
    const envelope: Envelope = { kind: 'reply', id, body: reply };
    this.send(from.proxy, envelope).catch((err: unknown) => {
      this.logger.warn({ err: errorText(err) }, 'peer reply not sent');
    });
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
