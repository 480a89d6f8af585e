#!/usr/bin/env node
// Regenerates crds/*.yaml from the zod schemas in src/api: `node scripts/gen-crds.ts`.
// Files for kinds that no longer exist are removed, so crds/ is exactly what the schemas say.
import { join } from 'node:path';
import { renderCrd } from '../src/api/crd/render.ts';
import { KINDS } from '../src/api/group.ts';
import { writeGenerated } from './write-generated.ts';

writeGenerated(join(import.meta.dirname, '..', 'crds'), KINDS.map(renderCrd), '.yaml');
