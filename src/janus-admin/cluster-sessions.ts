/**
 * Other live proxies asked over the bus (proxies sharing a store): an Admin API request about a
 * session another proxy holds runs there, on its live session, so it acts as on one Janus (a
 * destroy_session ends that client's session); and the event stream asks whose client a backend
 * session or handle is when it is not one of this proxy's.
 */
import type { JsonObject, OutgoingMessage } from '../protocol/messages.js';
import type { MessageBus } from '../store/bus.js';
import { BusCalls } from '../store/bus-calls.js';
import type { SessionStore } from '../store/session-store.js';
import type { ClientIds } from '../events/ids.js';

const TOPIC = 'janus-admin';
const IDS_TOPIC = 'janus-admin-ids';
const MEMBERS_TOPIC = 'janus-admin-members';

export interface ClusterSessionsDeps {
  records: SessionStore;
  bus: MessageBus;
  /** How long another proxy may take to answer (it may itself ask its Janus). */
  timeoutMs: number;
  /** This proxy's answer to a request another proxy forwarded: about its own sessions only. */
  answer(raw: JsonObject): Promise<OutgoingMessage>;
  /** Whose client of this proxy a backend session (and handle) is. */
  localIds(backend: string, session: number, handle: number | undefined): ClientIds | undefined;
  /** This proxy's handles of `plugin` as their records' plugin state describes them (VideoRoom: room, participant). */
  localStates(plugin: string): JsonObject[];
}

export class ClusterSessions {
  private readonly calls: BusCalls;
  private readonly idCalls: BusCalls;
  private readonly memberCalls: BusCalls;

  constructor(private readonly deps: ClusterSessionsDeps) {
    this.calls = new BusCalls(deps.bus, TOPIC, (body) => deps.answer(body));
    this.idCalls = new BusCalls(deps.bus, IDS_TOPIC, (body) => {
      const { backend, session, handle } = body;
      if (typeof backend !== 'string' || typeof session !== 'number') return Promise.resolve({});
      const ids = deps.localIds(backend, session, typeof handle === 'number' ? handle : undefined);
      return Promise.resolve(ids ? { ...ids } : {});
    });
    this.memberCalls = new BusCalls(deps.bus, MEMBERS_TOPIC, (body) => Promise.resolve({
      states: typeof body.plugin === 'string' ? deps.localStates(body.plugin) : [],
    }));
  }

  /** Every live proxy's handles of `plugin` (their plugin state), by proxy id, this proxy's included. */
  async statesByProxy(plugin: string): Promise<Map<string, JsonObject[]>> {
    const { records } = this.deps;
    const out = new Map<string, JsonObject[]>([[records.proxyId, this.deps.localStates(plugin)]]);
    const others = (await records.owners()).filter((o) => o !== records.proxyId);
    await Promise.all(others.map(async (owner) => {
      const answer = await this.memberCalls.call(owner, { plugin }, this.deps.timeoutMs);
      if (answer && Array.isArray(answer.states)) out.set(owner, answer.states.filter((x): x is JsonObject => typeof x === 'object' && x !== null && !Array.isArray(x)));
    }));
    return out;
  }

  /** The owner's answer to an Admin API request; undefined when it did not answer in time. */
  async ask(owner: string, raw: JsonObject): Promise<OutgoingMessage | undefined> {
    const reply = await this.calls.call(owner, raw, this.deps.timeoutMs);
    return reply && typeof reply.janus === 'string' ? (reply as OutgoingMessage) : undefined;
  }

  /** Whose client, on another live proxy, a backend session (and handle) is; undefined when no one's. */
  async clientIds(backend: string, session: number, handle: number | undefined): Promise<ClientIds | undefined> {
    const question: JsonObject = handle === undefined ? { backend, session } : { backend, session, handle };
    const others = (await this.deps.records.owners()).filter((o) => o !== this.deps.records.proxyId);
    const answers = await Promise.all(others.map((owner) => this.idCalls.call(owner, question, this.deps.timeoutMs)));
    for (const a of answers) {
      if (a && typeof a.session === 'number') return typeof a.handle === 'number' ? { session: a.session, handle: a.handle } : { session: a.session };
    }
    return undefined;
  }

  close(): void {
    this.calls.close();
    this.idCalls.close();
    this.memberCalls.close();
  }
}
