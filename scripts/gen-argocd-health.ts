#!/usr/bin/env node
// Regenerates deploy/argocd/ (the Argo CD health checks) from scripts/argocd-health/:
// `node scripts/gen-argocd-health.ts`. Checks of kinds that no longer exist are removed, so deploy/argocd/ is
// exactly what the template says.
import { join } from 'node:path';
import { renderArgocdDir } from './argocd-health/render.ts';
import { writeGenerated } from './write-generated.ts';

writeGenerated(join(import.meta.dirname, '..', 'deploy', 'argocd'), renderArgocdDir(), '.lua');
