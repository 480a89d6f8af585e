import { describe, expect, it } from 'vitest';
import { parseHypervisor, parseVirtualMachine, parseVMRevert, parseVMSnapshot } from '../../src/api/index.ts';
import { kstatus } from '../../src/runtime/conditions.ts';
import { cliUtilsKstatus } from './cli-utils-kstatus.ts';
import { STATUS_FIXTURES } from './status-fixtures.ts';

const PARSERS = {
  Hypervisor: parseHypervisor,
  VirtualMachine: parseVirtualMachine,
  VMSnapshot: parseVMSnapshot,
  VMRevert: parseVMRevert,
} as const;

describe.each(STATUS_FIXTURES)('$kind $title', (fixture) => {
  it('is a valid object of its kind', () => {
    const parsed = PARSERS[fixture.kind](fixture.object);
    expect(parsed.ok ? 'valid' : parsed.error.message).toBe('valid');
  });

  it(`is ${fixture.kstatus} to kstatus (Flux, kpt), by the runtime's helper and by cli-utils' rules`, () => {
    expect(cliUtilsKstatus(fixture.object)).toBe(fixture.kstatus);
    expect(kstatus(fixture.object)).toBe(fixture.kstatus);
  });
});

describe('the kstatus trio convention', () => {
  it('says the same to readers that ignore Ready (cli-utils) and readers that use it', () => {
    // The only place the two rule sets differ: Ready=False without Reconciling or Stalled. The controllers never
    // write that (readyConditions always sets one of the three True), so no fixture may contain it.
    for (const fixture of STATUS_FIXTURES) {
      const conditions = fixture.object.status?.conditions ?? [];
      const trueOnes = conditions.filter(
        (c) => ['Ready', 'Reconciling', 'Stalled'].includes(c.type) && c.status === 'True',
      );
      if (conditions.length > 0) expect(trueOnes, `${fixture.kind} ${fixture.title}`).toHaveLength(1);
    }
  });

  it('covers every phase of every kind', () => {
    const phases = (kind: string) =>
      new Set(STATUS_FIXTURES.filter((f) => f.kind === kind).map((f) => f.object.status?.phase));
    expect(phases('VMSnapshot')).toEqual(
      new Set([undefined, 'Pending', 'InProgress', 'Ready', 'Failed', 'Deleting']),
    );
    expect(phases('VMRevert')).toEqual(new Set(['Pending', 'Reverting', 'Succeeded', 'Failed']));
    const vmHolds = STATUS_FIXTURES.filter((f) => f.kind === 'VirtualMachine').map(
      (f) => (f.object.status?.hold as { operation?: string } | undefined)?.operation ?? 'free',
    );
    expect(new Set(vmHolds)).toEqual(new Set(['free', 'Snapshot', 'RevertTo']));
  });
});
