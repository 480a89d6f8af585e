// Shows the newcomer what `kubectl get vmsnapshots` shows: with kubectl installed, kubectl itself; without it,
// the same Table the server hands kubectl (the CRD's printer columns), rendered the way kubectl renders it.

import { execFile } from 'node:child_process';
import { request } from 'node:https';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TableSource {
  url: string;
  token: string;
  caCertPem: string;
  kubeconfigPath: string;
}

/** The output of `kubectl get vmsnapshots -n NAMESPACE`, from kubectl when it is on PATH. */
export async function vmSnapshotTable(source: TableSource, namespace: string): Promise<string> {
  try {
    const { stdout } = await run('kubectl', ['get', 'vmsnapshots', '-n', namespace], {
      env: { ...process.env, KUBECONFIG: source.kubeconfigPath },
      timeout: 30_000,
    });
    return stdout.trimEnd();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  return renderTable(await fetchTable(source, namespace));
}

interface Table {
  columnDefinitions: Array<{ name: string; priority?: number }>;
  rows: Array<{ cells: unknown[] }>;
}

function fetchTable(source: TableSource, namespace: string): Promise<Table> {
  const url = new URL(`/apis/vmsnap.io/v1alpha1/namespaces/${namespace}/vmsnapshots`, source.url);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        ca: source.caCertPem,
        headers: {
          authorization: `Bearer ${source.token}`,
          accept: 'application/json;as=Table;v=v1;g=meta.k8s.io',
        },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => {
          if (res.statusCode !== 200) reject(new Error(`GET ${url}: HTTP ${res.statusCode}: ${body}`));
          else resolve(JSON.parse(body) as Table);
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** kubectl's default table: priority-0 columns, upper-case headers, columns padded to the widest cell + 3. */
export function renderTable(table: Table): string {
  const shown = table.columnDefinitions
    .map((column, index) => ({ column, index }))
    .filter(({ column }) => (column.priority ?? 0) === 0);
  const lines = [
    shown.map(({ column }) => column.name.toUpperCase()),
    ...table.rows.map((row) => shown.map(({ index }) => formatCell(row.cells[index]))),
  ];
  const widths = shown.map((_, i) => Math.max(...lines.map((cells) => cells[i]?.length ?? 0)));
  return lines
    .map((cells) =>
      cells
        .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd((widths[i] ?? 0) + 3)))
        .join('')
        .trimEnd(),
    )
    .join('\n');
}

function formatCell(value: unknown): string {
  if (value === undefined || value === null || value === '') return '<none>';
  return String(value);
}
