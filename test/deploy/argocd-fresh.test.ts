// Fails when deploy/argocd/ is not what `node scripts/gen-argocd-health.ts` would write from its template now.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderArgocdDir, renderHealthCheck } from '../../scripts/argocd-health/render.ts';

const ARGOCD_DIR = join(import.meta.dirname, '../../deploy/argocd');
const STALE = 'deploy/argocd/ is stale: run `node scripts/gen-argocd-health.ts` and commit the result';
const GENERATED = renderArgocdDir();

describe('deploy/argocd/', () => {
  it.each(GENERATED)('$fileName matches the generator', ({ fileName, text }) => {
    expect(readFileSync(join(ARGOCD_DIR, fileName), 'utf8'), STALE).toBe(text);
  });

  it('holds no file the generator does not write', () => {
    const generated = GENERATED.map((file) => file.fileName).sort();
    expect(readdirSync(ARGOCD_DIR).sort(), STALE).toEqual(generated);
  });
});

describe('the health-check generator', () => {
  const template = 'local x = "{{kind}}"\n  --{{whenReady}}\nreturn x\n';

  it("puts a kind's Lua in the slot at the slot's indentation, and drops a slot the kind leaves empty", () => {
    expect(renderHealthCheck('VMRevert', { whenReady: '\nif a then\n  b()\nend' }, template)).toBe(
      'local x = "VMRevert"\n  if a then\n    b()\n  end\nreturn x\n',
    );
    expect(renderHealthCheck('VMRevert', {}, template)).toBe('local x = "VMRevert"\nreturn x\n');
  });

  it('refuses a slot the template lacks, a slot kinds.ts does not know, and an unknown placeholder', () => {
    expect(() => renderHealthCheck('VMRevert', { beforeConditions: 'x()' }, template)).toThrow(
      /VMRevert fills slots template.lua does not have: beforeConditions/,
    );
    expect(() => renderHealthCheck('VMRevert', {}, '--{{afterAll}}\n')).toThrow(
      /unknown slot --\{\{afterAll\}\}/,
    );
    expect(() => renderHealthCheck('VMRevert', {}, '-- {{Kind}}\n')).toThrow(
      /unknown placeholder \{\{Kind\}\}/,
    );
  });
});
