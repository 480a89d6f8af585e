import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { only, REPO, renderDeploy } from './rendered-manifests.ts';

/** The Dockerfile's instructions (continuation lines joined, comments dropped) as [keyword, rest] pairs. */
function instructions(text: string): Array<[string, string]> {
  return text
    .replaceAll(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [keyword = '', ...rest] = line.split(/\s+/);
      return [keyword.toUpperCase(), rest.join(' ')];
    });
}

describe('Dockerfile', () => {
  const steps = instructions(readFileSync(join(REPO, 'Dockerfile'), 'utf8'));
  const all = (keyword: string) => steps.filter(([k]) => k === keyword).map(([, rest]) => rest);

  it('builds on node:24-slim with virsh and ssh, production dependencies only', () => {
    expect(all('FROM')).toEqual(['node:24-slim']);
    const run = all('RUN').join('\n');
    expect(run).toMatch(/apt-get install .*libvirt-clients/);
    expect(run).toMatch(/apt-get install .*openssh-client/);
    expect(run).toMatch(/npm ci --omit=dev/);
  });

  it('runs `node bin/vmsnap.ts operator` as the non-root user the Deployment expects', async () => {
    expect(all('ENTRYPOINT')).toEqual(['["node", "bin/vmsnap.ts", "operator"]']);
    const user = all('USER').at(-1);
    expect(user).toBeDefined();
    const [uid, gid] = user!.split(':').map(Number);
    expect(uid).toBeGreaterThan(0);
    const rendered = await renderDeploy();
    if (rendered === undefined) return;
    const pod = only(rendered.objects, 'Deployment').spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsUser: uid, runAsGroup: gid });
    // The entry point and its imports are copied in.
    expect(all('COPY')).toEqual(expect.arrayContaining(['bin ./bin', 'src ./src']));
  });
});
