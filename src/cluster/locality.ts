/**
 * Where a client is, for placement preferences: hints the transport read from configured request
 * headers win; otherwise the first config rule whose CIDR contains the client's address.
 */
import { BlockList, isIPv4 } from 'node:net';
import type { ClientOrigin, Locality } from '../protocol/origin.js';

export interface LocalityRule extends Locality {
  cidr: string;
}

export class LocalityResolver {
  private readonly rules: { list: BlockList; locality: Locality }[];

  constructor(rules: readonly LocalityRule[]) {
    this.rules = rules.map(({ cidr, ...locality }) => {
      const [network = '', prefix = ''] = cidr.split('/');
      const list = new BlockList();
      list.addSubnet(network, Number(prefix), isIPv4(network) ? 'ipv4' : 'ipv6');
      return { list, locality };
    });
  }

  resolve(origin: ClientOrigin | undefined): Locality | undefined {
    const hints = origin?.hints;
    const fromRule = this.match(origin?.address);
    if (!hints && !fromRule) return undefined;
    return {
      location: hints?.location ?? fromRule?.location,
      isp: hints?.isp ?? fromRule?.isp,
      region: hints?.region ?? fromRule?.region,
    };
  }

  private match(address: string | undefined): Locality | undefined {
    if (!address) return undefined;
    const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
    const family = isIPv4(plain) ? 'ipv4' : 'ipv6';
    return this.rules.find((rule) => rule.list.check(plain, family))?.locality;
  }
}
