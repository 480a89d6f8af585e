#!/usr/bin/env node
// Regenerates crds/*.yaml from the zod schemas in src/api: `node scripts/gen-crds.ts`.
// Files for kinds that no longer exist are removed, so crds/ is exactly what the schemas say.
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderCrd } from '../src/api/crd/render.ts';
import { KINDS } from '../src/api/group.ts';

const crdDir = join(import.meta.dirname, '..', 'crds');
const rendered = KINDS.map(renderCrd);
const wanted = new Set(rendered.map((crd) => crd.fileName));

for (const file of readdirSync(crdDir)) {
  if (file.endsWith('.yaml') && !wanted.has(file)) {
    rmSync(join(crdDir, file));
    console.log(`removed crds/${file}`);
  }
}
for (const crd of rendered) {
  writeFileSync(join(crdDir, crd.fileName), crd.text);
  console.log(`wrote crds/${crd.fileName}`);
}
