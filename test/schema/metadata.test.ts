import { describe, expect, it } from 'vitest';
import { validateObjectMeta } from '../../src/apiserver/schema/index.ts';
import { validateObjectMetaUpdate } from '../../src/apiserver/schema/metadata.ts';

const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const QUALIFIED_NAME_PART_MSG =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

const namespaced = { namespaced: true, nameRule: 'dns1123-subdomain' } as const;

describe('validateObjectMeta', () => {
  it('accepts a valid namespaced object', () => {
    expect(
      validateObjectMeta(
        {
          name: 'web-1.prod',
          namespace: 'prod',
          labels: { 'app.kubernetes.io/name': 'web', tier: '' },
          annotations: { 'example.com/Note': 'x' },
          finalizers: ['vmsnap.io/cleanup'],
        },
        namespaced,
      ),
    ).toEqual([]);
  });

  it("rejects a name that is not a DNS subdomain with kube's message", () => {
    expect(validateObjectMeta({ name: 'Bad_Name', namespace: 'ns' }, namespaced)).toEqual([
      {
        reason: 'FieldValueInvalid',
        field: 'metadata.name',
        message: `Invalid value: "Bad_Name": ${SUBDOMAIN_MSG}`,
      },
    ]);
  });

  it('reports length and syntax for over-long names', () => {
    const causes = validateObjectMeta({ name: `${'a'.repeat(253)}-`, namespace: 'ns' }, namespaced);
    expect(causes.map((c) => c.message.split(': ')[2])).toEqual([
      'must be no more than 253 characters',
      SUBDOMAIN_MSG,
    ]);
  });

  it('requires a name or generateName', () => {
    expect(validateObjectMeta({ namespace: 'ns' }, namespaced)).toEqual([
      {
        reason: 'FieldValueRequired',
        field: 'metadata.name',
        message: 'Required value: name or generateName is required',
      },
    ]);
  });

  it('validates generateName as a prefix: a trailing dash is fine', () => {
    expect(
      validateObjectMeta({ name: 'snap-abcde', generateName: 'snap-', namespace: 'ns' }, namespaced),
    ).toEqual([]);
    expect(
      validateObjectMeta({ name: 'snap-abcde', generateName: 'Snap-', namespace: 'ns' }, namespaced)[0],
    ).toEqual({
      reason: 'FieldValueInvalid',
      field: 'metadata.generateName',
      message: `Invalid value: "Snap-": ${SUBDOMAIN_MSG}`,
    });
  });

  it('applies the label rule to namespace-like names, with the dots hint', () => {
    const opts = { namespaced: false, nameRule: 'dns1123-label' } as const;
    expect(validateObjectMeta({ name: 'a.b' }, opts)[0]?.message).toBe(
      'Invalid value: "a.b": must not contain dots',
    );
    expect(validateObjectMeta({ name: 'A' }, opts)[0]?.message).toBe(`Invalid value: "A": ${LABEL_MSG}`);
  });

  it('path-segment names only forbid ".", ".." and "/" or "%"', () => {
    const opts = { namespaced: false, nameRule: 'path-segment' } as const;
    expect(validateObjectMeta({ name: 'Any_Thing' }, opts)).toEqual([]);
    expect(validateObjectMeta({ name: '..' }, opts)[0]?.message).toBe(`Invalid value: "..": may not be '..'`);
    expect(validateObjectMeta({ name: 'a/b%c' }, opts).map((c) => c.message)).toEqual([
      `Invalid value: "a/b%c": may not contain '/'`,
      `Invalid value: "a/b%c": may not contain '%'`,
    ]);
  });

  it('namespace: required when namespaced, forbidden otherwise, and a DNS label', () => {
    expect(validateObjectMeta({ name: 'a' }, namespaced)).toEqual([
      { reason: 'FieldValueRequired', field: 'metadata.namespace', message: 'Required value' },
    ]);
    expect(
      validateObjectMeta(
        { name: 'a', namespace: 'ns' },
        { namespaced: false, nameRule: 'dns1123-subdomain' },
      ),
    ).toEqual([
      {
        reason: 'FieldValueForbidden',
        field: 'metadata.namespace',
        message: 'Forbidden: not allowed on this type',
      },
    ]);
    expect(validateObjectMeta({ name: 'a', namespace: 'Prod' }, namespaced)[0]?.message).toBe(
      `Invalid value: "Prod": ${LABEL_MSG}`,
    );
  });

  it('label keys and values', () => {
    expect(
      validateObjectMeta(
        { name: 'a', namespace: 'n', labels: { 'bad key': 'ok', good: 'bad value!' } },
        namespaced,
      ),
    ).toEqual([
      {
        reason: 'FieldValueInvalid',
        field: 'metadata.labels',
        message: `Invalid value: "bad key": ${QUALIFIED_NAME_PART_MSG}`,
      },
      {
        reason: 'FieldValueInvalid',
        field: 'metadata.labels',
        message: `Invalid value: "bad value!": ${LABEL_VALUE_MSG}`,
      },
    ]);
    expect(
      validateObjectMeta({ name: 'a', namespace: 'n', labels: { 'Example.com/x': 'v' } }, namespaced)[0]
        ?.message,
    ).toBe(`Invalid value: "Example.com/x": prefix part ${SUBDOMAIN_MSG}`);
    expect(
      validateObjectMeta({ name: 'a', namespace: 'n', labels: { k: 'v'.repeat(64) } }, namespaced)[0]
        ?.message,
    ).toBe(`Invalid value: "${'v'.repeat(64)}": must be no more than 63 characters`);
  });

  it('annotations: keys are qualified names (case-insensitive), total size at most 256 KiB', () => {
    expect(
      validateObjectMeta({ name: 'a', namespace: 'n', annotations: { 'Example.COM/Key': 'v' } }, namespaced),
    ).toEqual([]);
    expect(
      validateObjectMeta(
        { name: 'a', namespace: 'n', annotations: { big: 'x'.repeat(256 * 1024) } },
        namespaced,
      ),
    ).toEqual([
      {
        reason: 'FieldValueTooLong',
        field: 'metadata.annotations',
        message: 'Too long: may not be more than 262144 bytes',
      },
    ]);
    expect(
      validateObjectMeta(
        { name: 'a', namespace: 'n', annotations: { big: 'x'.repeat(256 * 1024 - 3) } },
        namespaced,
      ),
    ).toEqual([]);
  });

  it('finalizers must be qualified names', () => {
    expect(
      validateObjectMeta({ name: 'a', namespace: 'n', finalizers: ['vmsnap.io/ok', 'not ok'] }, namespaced),
    ).toEqual([
      {
        reason: 'FieldValueInvalid',
        field: 'metadata.finalizers',
        message: `Invalid value: "not ok": ${QUALIFIED_NAME_PART_MSG}`,
      },
    ]);
  });

  it('owner references need apiVersion, kind, name and uid, and at most one controller', () => {
    const causes = validateObjectMeta(
      {
        name: 'a',
        namespace: 'n',
        ownerReferences: [
          { apiVersion: 'vmsnap.io/v1alpha1', kind: 'VM', name: 'x', uid: '1', controller: true },
          { apiVersion: 'vmsnap.io/v1alpha1', kind: 'VM', name: 'y', uid: '', controller: true },
        ],
      },
      namespaced,
    );
    expect(causes.map((c) => c.field)).toEqual(['metadata.ownerReferences.uid', 'metadata.ownerReferences']);
    expect(causes[1]?.message).toContain(
      'Only one reference can have Controller set to true. Found "true" in references for VM/x and VM/y',
    );
  });
});

describe('validateObjectMetaUpdate', () => {
  const old = {
    name: 'a',
    namespace: 'n',
    uid: 'u1',
    resourceVersion: '5',
    generation: 2,
    finalizers: ['a.io/x'],
  };

  it('accepts an unchanged identity', () => {
    expect(validateObjectMetaUpdate({ ...old, labels: { x: 'y' } }, old)).toEqual([]);
  });

  it('rejects identity changes, a missing resourceVersion and a lower generation', () => {
    const causes = validateObjectMetaUpdate({ ...old, uid: 'u2', resourceVersion: '', generation: 1 }, old);
    expect(causes).toEqual([
      {
        reason: 'FieldValueInvalid',
        field: 'metadata.resourceVersion',
        message: 'Invalid value: "": must be specified for an update',
      },
      {
        reason: 'FieldValueInvalid',
        field: 'metadata.generation',
        message: 'Invalid value: 1: must not be decremented',
      },
      {
        reason: 'FieldValueInvalid',
        field: 'metadata.uid',
        message: 'Invalid value: "u2": field is immutable',
      },
    ]);
  });

  it('forbids new finalizers once deletion started', () => {
    const deleting = { ...old, deletionTimestamp: '2024-01-01T00:00:00Z' };
    expect(validateObjectMetaUpdate({ ...deleting, finalizers: ['a.io/x', 'b.io/y'] }, deleting)).toEqual([
      {
        reason: 'FieldValueForbidden',
        field: 'metadata.finalizers',
        message:
          'Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"b.io/y"}',
      },
    ]);
  });
});
