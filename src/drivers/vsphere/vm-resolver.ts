// Finds the VM a `domain` argument names: an instance or BIOS UUID, an inventory path (DC0/vm/web-1), or a
// name that must be unique in the inventory. Morefs are cached: resolving a name costs three requests.

import { DriverError } from '../errors.ts';
import type { MoRef } from './soap-xml.ts';
import { findByInventoryPath, findByUuid, listVmNames } from './vim-calls.ts';
import type { VimClient } from './vim-client.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class VmResolver {
  private readonly client: VimClient;
  private readonly cache = new Map<string, MoRef>();

  constructor(client: VimClient) {
    this.client = client;
  }

  async resolve(domain: string): Promise<MoRef> {
    const cached = this.cache.get(domain);
    if (cached) return cached;
    const vm = await this.lookup(domain);
    this.cache.set(domain, vm);
    return vm;
  }

  isCached(domain: string): boolean {
    return this.cache.has(domain);
  }

  /** Forgets a cached moref (the VM was removed, re-registered or renamed). */
  forget(domain: string): void {
    this.cache.delete(domain);
  }

  private async lookup(domain: string): Promise<MoRef> {
    if (UUID.test(domain)) {
      const vm =
        (await findByUuid(this.client, domain, true)) ?? (await findByUuid(this.client, domain, false));
      if (vm) return vm;
      throw notFound(domain, 'no VM has this instance or BIOS UUID');
    }
    if (domain.includes('/')) {
      const vm = await findByInventoryPath(this.client, domain);
      if (vm?.type === 'VirtualMachine') return vm;
      throw notFound(domain, 'no VM at this inventory path (expected DATACENTER/vm/[FOLDER/]NAME)');
    }
    const matches = (await listVmNames(this.client)).filter((entry) => entry.name === domain);
    const [first, second] = matches;
    if (!first) throw notFound(domain, 'no VM has this name');
    if (second) {
      throw new DriverError(
        'DomainNotFound',
        `VM '${domain}' is ambiguous: ${matches.length} VMs have this name (${matches.map((m) => m.vm.value).join(', ')}); name it by inventory path or UUID`,
        { retryable: false },
      );
    }
    return first.vm;
  }
}

function notFound(domain: string, why: string): DriverError {
  return new DriverError('DomainNotFound', `VM '${domain}' not found: ${why}`, { retryable: false });
}
