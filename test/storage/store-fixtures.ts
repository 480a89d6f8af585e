import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore, type SqliteStoreOptions } from '../../src/apiserver/storage/sqlite-store.ts';
import type { Store } from '../../src/apiserver/storage/store.ts';
import type { KubeObject, ObjectKey } from '../../src/apiserver/types.ts';

export const SNAPSHOTS = 'vmsnap.io/vmsnapshots';

export function key(namespace: string, name: string, resource = SNAPSHOTS): ObjectKey {
  return { resource, namespace, name };
}

export function snapshot(namespace: string, name: string, spec: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'vmsnap.io/v1alpha1',
    kind: 'VMSnapshot',
    metadata: { name, namespace, labels: { app: 'web' } },
    spec: { virtualMachineName: 'web-1', ...spec },
  };
}

/** A fresh directory per test file; stores opened through it are closed and the directory removed by cleanup(). */
export function tempStores(): {
  dir: string;
  open: (options?: Partial<SqliteStoreOptions>, file?: string) => Store;
  cleanup: () => void;
} {
  const dir = mkdtempSync(join(tmpdir(), 'vmsnap-store-'));
  const opened: Store[] = [];
  return {
    dir,
    open(options = {}, file = 'store.db') {
      const store = openSqliteStore({ path: join(dir, file), ...options });
      opened.push(store);
      return store;
    },
    cleanup() {
      for (const store of opened) store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
