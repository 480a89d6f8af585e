import { ageColumn, column, nameColumn } from '../http/table/columns.ts';
import { ageOf } from '../http/table/human-duration.ts';
import { builtinType } from './builtin-type.ts';
import type { KindBehavior } from './kind-behavior.ts';

export const leaseType = builtinType({
  group: 'coordination.k8s.io',
  version: 'v1',
  kind: 'Lease',
  plural: 'leases',
  namespaced: true,
});

// Leader election relies on the generic optimistic concurrency: a PUT with a stale resourceVersion gets 409.
export const leaseBehavior: KindBehavior = {
  knownFields: ['spec'],
  allowCreateOnUpdate: true,
  table: {
    columns: [nameColumn, column('Holder', 'string', 'The holder of the lease'), ageColumn],
    cells: (object, now) => [
      object.metadata.name,
      (object.spec as { holderIdentity?: string } | undefined)?.holderIdentity ?? '',
      ageOf(object.metadata.creationTimestamp, now),
    ],
  },
};
