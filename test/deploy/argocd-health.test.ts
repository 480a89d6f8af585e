import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { STATUS_FIXTURES, type VmsnapKind } from '../observability/status-fixtures.ts';
import { runHealthScript } from './lua-health-check.ts';

const ARGOCD_DIR = join(import.meta.dirname, '../../deploy/argocd');
const KINDS: readonly VmsnapKind[] = ['Hypervisor', 'VirtualMachine', 'VMSnapshot', 'VMRevert'];
const script = (kind: VmsnapKind) => readFileSync(join(ARGOCD_DIR, `vmsnap.io_${kind}.lua`), 'utf8');

describe.each(STATUS_FIXTURES)('Argo CD health of $kind $title', (fixture) => {
  it(`is ${fixture.argo}`, () => {
    const health = runHealthScript(script(fixture.kind), fixture.object);
    expect(health.status).toBe(fixture.argo);
    expect(health.message).toBeTruthy();
    if (fixture.argoMessage) expect(health.message).toContain(fixture.argoMessage);
  });
});

describe('Argo CD health checks', () => {
  it('ships one check per kind in the argocd-cm patch, identical to the .lua files', () => {
    const patch = load(readFileSync(join(ARGOCD_DIR, 'argocd-cm-patch.yaml'), 'utf8')) as {
      kind: string;
      metadata: { name: string; namespace: string };
      data: Record<string, string>;
    };
    expect(patch.kind).toBe('ConfigMap');
    expect(patch.metadata).toMatchObject({ name: 'argocd-cm', namespace: 'argocd' });
    expect(Object.keys(patch.data).sort()).toEqual(
      KINDS.map((kind) => `resource.customizations.health.vmsnap.io_${kind}`).sort(),
    );
    for (const kind of KINDS) {
      expect(patch.data[`resource.customizations.health.vmsnap.io_${kind}`]).toBe(script(kind));
    }
  });

  it('reports a Lua error instead of a status for a script that breaks', () => {
    expect(() => runHealthScript('return obj.status.nothing.here', { status: {} })).toThrow(
      /health script failed: .*attempt to index a nil value/,
    );
  });

  it('stays on the Lua 5.1 subset Argo CD runs (no 5.2+ syntax or libraries)', () => {
    for (const kind of KINDS) {
      const text = script(kind);
      expect(text, kind).not.toMatch(/\/\/|\bgoto\b|::\w+::|\butf8\.|\btable\.unpack\b|\bos\.|\bio\./);
    }
  });
});
