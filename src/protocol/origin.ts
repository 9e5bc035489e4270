/**
 * Where a client is: what the transport reads from its request (src/transport/origin.ts) and the
 * cluster's selection prefers backends by (src/cluster/locality.ts, src/cluster/selection.ts).
 * Shared by transport/, core/ and cluster/, so it lives below all three.
 */

/** A place as backends and clients are labelled with it (server record fields, locality rules, headers). */
export interface Locality {
  location?: string | undefined;
  isp?: string | undefined;
  region?: string | undefined;
}

/** A client's address and the locality hints its request headers gave, as the transport read them. */
export interface ClientOrigin {
  address?: string | undefined;
  hints?: Locality | undefined;
}
