import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { argocdKey, healthCheckFileName, PATCH_FILE } from '../../scripts/argocd-health/render.ts';
import { KINDS, type Kind } from '../../src/api/group.ts';
import { kstatus } from '../../src/runtime/conditions.ts';
import { cliUtilsKstatus } from '../observability/cli-utils-kstatus.ts';
import { STATUS_FIXTURES } from '../observability/status-fixtures.ts';
import { runHealthScript } from './lua-health-check.ts';
import { SCHEDULE_FIXTURES } from './schedule-status-fixtures.ts';

const ARGOCD_DIR = join(import.meta.dirname, '../../deploy/argocd');
const script = (kind: Kind) => readFileSync(join(ARGOCD_DIR, healthCheckFileName(kind)), 'utf8');

const FIXTURES = [
  ...STATUS_FIXTURES,
  ...SCHEDULE_FIXTURES.map((fixture) => ({ ...fixture, kind: 'VMSnapshotSchedule' as const })),
];

describe.each(FIXTURES)('Argo CD health of $kind $title', (fixture) => {
  it(`is ${fixture.argo}`, () => {
    const health = runHealthScript(script(fixture.kind), fixture.object);
    expect(health.status).toBe(fixture.argo);
    expect(health.message).toBeTruthy();
    if (fixture.argoMessage) expect(health.message).toContain(fixture.argoMessage);
  });
});

// The other kinds' fixtures are checked against kstatus in test/observability; these are only used here.
describe.each(SCHEDULE_FIXTURES)('kstatus of VMSnapshotSchedule $title', (fixture) => {
  it(`is ${fixture.kstatus}, by the runtime's helper and by cli-utils' rules`, () => {
    expect(cliUtilsKstatus(fixture.object)).toBe(fixture.kstatus);
    expect(kstatus(fixture.object)).toBe(fixture.kstatus);
  });
});

describe('Argo CD health checks', () => {
  it('ships one check per kind in the argocd-cm patch, identical to the .lua files', () => {
    const patch = load(readFileSync(join(ARGOCD_DIR, PATCH_FILE), 'utf8')) as {
      kind: string;
      metadata: { name: string; namespace: string };
      data: Record<string, string>;
    };
    expect(patch.kind).toBe('ConfigMap');
    expect(patch.metadata).toMatchObject({ name: 'argocd-cm', namespace: 'argocd' });
    expect(Object.keys(patch.data).sort()).toEqual(KINDS.map(argocdKey).sort());
    for (const kind of KINDS) expect(patch.data[argocdKey(kind)], kind).toBe(script(kind));
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
