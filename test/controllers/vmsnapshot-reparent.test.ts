import { describe, expect, it } from 'vitest';
import type { ApiObject } from '../../src/controllers/shared/resources.ts';
import { currentAfterDeletion, planReparent } from '../../src/controllers/vmsnapshot/reparent.ts';

const snap = (name: string, parent: string | undefined, vmName = 'web-1', namespace = 'prod'): ApiObject => ({
  metadata: { name, namespace, uid: `uid-${name}` },
  spec: { vmName },
  status: parent === undefined ? {} : { parent },
});

const deleted = (name: string) => ({ namespace: 'prod', name, uid: `uid-${name}`, vmName: 'web-1' });
const names = (objects: ApiObject[]) => objects.map((o) => o.metadata.name);

describe('re-parenting when a VMSnapshot is deleted', () => {
  it('re-attaches the children of a middle snapshot to its parent', () => {
    const ofVm = [snap('a', ''), snap('b', 'a'), snap('c', 'b'), snap('d', 'b'), snap('e', 'c')];
    const plan = planReparent(deleted('b'), ofVm);
    expect(plan.newParent).toBe('a');
    expect(names(plan.children)).toEqual(['c', 'd']);
  });

  it('makes the children of a root snapshot roots ("")', () => {
    const plan = planReparent(deleted('a'), [snap('a', ''), snap('b', 'a')]);
    expect(plan).toMatchObject({ newParent: '' });
    expect(names(plan.children)).toEqual(['b']);
  });

  it('treats a parent never recorded (a snapshot that failed before InProgress) as none', () => {
    const plan = planReparent(deleted('f'), [snap('f', undefined), snap('g', 'f')]);
    expect(plan.newParent).toBe('');
  });

  it('uses the parent stored now: a concurrent deletion of its own parent may have moved it', () => {
    // "a" was deleted first and re-pointed "b" at the root; deleting "b" must not bring "a" back.
    const plan = planReparent(deleted('b'), [snap('b', ''), snap('c', 'b')]);
    expect(plan.newParent).toBe('');
  });

  it('leaves snapshots of other VMs alone, and has nothing to do once every child is re-pointed', () => {
    const ofVm = [snap('b', 'a'), snap('c', 'a'), snap('x', 'b', 'web-2')];
    const plan = planReparent(deleted('b'), ofVm);
    expect(plan.children).toEqual([]);
  });

  it('moves the VM currentSnapshot to the parent only when it named the deleted snapshot', () => {
    expect(currentAfterDeletion('b', 'b', 'a')).toBe('a');
    expect(currentAfterDeletion('b', 'b', '')).toBe('');
    expect(currentAfterDeletion('c', 'b', 'a')).toBe('c');
    expect(currentAfterDeletion(undefined, 'b', 'a')).toBeUndefined();
  });
});
