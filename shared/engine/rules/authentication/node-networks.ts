import { BlockList, isIP } from 'node:net';

// CIDR lists for the node rules: parsed once per list (settings are fixed for an engine's life).

/** `10.0.0.0/16`, `fd00::/8`: an address and a prefix length valid for its family. */
export function isCidr(v: string): boolean {
  const slash = v.lastIndexOf('/');
  if (slash < 0) return false;
  const family = isIP(v.slice(0, slash));
  const bits = Number(v.slice(slash + 1));
  return family !== 0 && /^\d+$/.test(v.slice(slash + 1)) && bits <= (family === 4 ? 32 : 128);
}

const cache = new WeakMap<readonly string[], BlockList>();

/** Whether `ip` lies in one of `cidrs` (valid CIDRs: the tuning schema checks them). */
export function inNetworks(ip: string, cidrs: readonly string[]): boolean {
  let list = cache.get(cidrs);
  if (!list) {
    list = new BlockList();
    for (const c of cidrs.filter(isCidr)) {
      const slash = c.lastIndexOf('/');
      const address = c.slice(0, slash);
      list.addSubnet(address, Number(c.slice(slash + 1)), isIP(address) === 6 ? 'ipv6' : 'ipv4');
    }
    cache.set(cidrs, list);
  }
  const family = isIP(ip);
  return family !== 0 && list.check(ip, family === 6 ? 'ipv6' : 'ipv4');
}
