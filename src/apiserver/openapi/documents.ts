import { createHash } from 'node:crypto';
import type { ServedGroup } from '../discovery/group-versions.ts';
import type { JsonObject } from '../types.ts';
import { pathsFor } from './paths.ts';
import { kindSchema, listSchema, metaSchemas, schemaName } from './schemas.ts';

export interface GroupVersionDocument {
  /** `api/v1` or `apis/{group}/{version}`: the key in the root document and the path under /openapi/v3/. */
  key: string;
  body: string;
  hash: string;
}

/** Builds the per group-version OpenAPI v3 documents (serialized once; their hash goes into the root). */
export function buildDocuments(groups: readonly ServedGroup[]): Map<string, GroupVersionDocument> {
  const documents = new Map<string, GroupVersionDocument>();
  for (const group of groups) {
    for (const version of group.versions) {
      const key = group.name === '' ? `api/${version.version}` : `apis/${group.name}/${version.version}`;
      const paths: Record<string, JsonObject> = {};
      const schemas: Record<string, JsonObject> = metaSchemas();
      for (const type of version.types) {
        Object.assign(paths, pathsFor(type));
        schemas[schemaName(type)] = kindSchema(type);
        schemas[schemaName(type, type.listKind)] = listSchema(type);
      }
      const body = JSON.stringify({
        openapi: '3.0.0',
        info: { title: 'Kubernetes', version: 'v1.32.0' },
        paths,
        components: { schemas },
      });
      // kube-apiserver also uses a SHA-512 of the served bytes: clients cache documents by it.
      const hash = createHash('sha512').update(body).digest('hex').toUpperCase();
      documents.set(key, { key, body, hash });
    }
  }
  return documents;
}

/** `/openapi/v3`: where each group-version document lives, with a hash that changes whenever it does. */
export function rootDocument(documents: Map<string, GroupVersionDocument>): object {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const doc of documents.values()) {
    paths[doc.key] = { serverRelativeURL: `/openapi/v3/${doc.key}?hash=${doc.hash}` };
  }
  return { paths };
}
