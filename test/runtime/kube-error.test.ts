import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import {
  isAlreadyExists,
  isConflict,
  isNotFound,
  isPatchTestFailed,
  KubeError,
  toKubeError,
} from '../../src/runtime/kube-error.ts';

const status = (code: number, reason: string, message: string, extra: object = {}) =>
  JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message, ...extra });

describe('toKubeError', () => {
  it('reads code, reason and message from the Status body client-node leaves as text', () => {
    const error = toKubeError(
      new ApiException(
        409,
        'Unknown API Status Code!',
        status(409, 'Conflict', 'the object has been modified'),
        {},
      ),
      'replace status of virtualmachines.vmsnap.io prod/web-1',
    );
    expect(error).toBeInstanceOf(KubeError);
    expect(error).toMatchObject({
      code: 409,
      reason: 'Conflict',
      message: 'replace status of virtualmachines.vmsnap.io prod/web-1: the object has been modified',
    });
    expect(isConflict(error)).toBe(true);
    expect(isAlreadyExists(error)).toBe(false);
  });

  it('keeps the causes of an Invalid answer', () => {
    const body = status(422, 'Invalid', 'bad', {
      details: {
        causes: [{ field: 'spec.vmName', message: 'Required value', reason: 'FieldValueRequired' }],
      },
    });
    const error = toKubeError(new ApiException(422, 'x', body, {}), 'create') as KubeError;
    expect(error.causes).toEqual([
      { field: 'spec.vmName', message: 'Required value', reason: 'FieldValueRequired' },
    ]);
    expect(isPatchTestFailed(error)).toBe(true);
  });

  it('derives the reason from the code when there is no Status body', () => {
    const error = toKubeError(new ApiException(401, 'Unauthorized', undefined, {}), 'get') as KubeError;
    expect(error).toMatchObject({ code: 401, reason: 'Unauthorized', message: 'get: HTTP 401' });
    expect(toKubeError(new ApiException(404, 'x', 'not json', {}), 'get')).toSatisfy(isNotFound);
  });

  it('distinguishes AlreadyExists from Conflict', () => {
    const error = toKubeError(
      new ApiException(409, 'x', status(409, 'AlreadyExists', 'exists'), {}),
      'create',
    );
    expect(isAlreadyExists(error)).toBe(true);
    expect(isConflict(error)).toBe(false);
  });

  it('passes other errors through unchanged', () => {
    const network = new TypeError('fetch failed');
    expect(toKubeError(network, 'get')).toBe(network);
  });
});
