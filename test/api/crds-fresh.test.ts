// Fails when crds/ is not what `node scripts/gen-crds.ts` would write from the schemas now.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderCrd } from '../../src/api/crd/render.ts';
import { KINDS } from '../../src/api/group.ts';
import { CRD_DIR } from './fixtures/crd-validator.ts';

const STALE = 'crds/ is stale: run `node scripts/gen-crds.ts` and commit the result';

describe('crds/', () => {
  it.each(KINDS)('%s matches the generator', (kind) => {
    const { fileName, text } = renderCrd(kind);
    expect(readFileSync(join(CRD_DIR, fileName), 'utf8'), STALE).toBe(text);
  });

  it('holds no CRD the generator does not write', () => {
    const generated = KINDS.map((kind) => renderCrd(kind).fileName).sort();
    const present = readdirSync(CRD_DIR)
      .filter((file) => file.endsWith('.yaml'))
      .sort();
    expect(present, STALE).toEqual(generated);
  });
});
