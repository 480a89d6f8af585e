import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseLocalOptions, UsageError } from '../../src/cli/local-options.ts';

describe('vmsnap local flags', () => {
  it('defaults to loopback on 6443 with ./.vmsnap', () => {
    expect(parseLocalOptions([])).toEqual({
      port: 6443,
      host: '127.0.0.1',
      allowRemote: false,
      dataDir: resolve('.vmsnap'),
    });
  });

  it('accepts every loopback spelling without --allow-remote', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', 'localhost']) {
      expect(parseLocalOptions(['--host', host])).toMatchObject({ host });
    }
  });

  it('refuses other addresses unless --allow-remote is given', () => {
    for (const host of ['0.0.0.0', '::', '192.0.2.1', 'example.com']) {
      expect(() => parseLocalOptions(['--host', host])).toThrow(UsageError);
      expect(parseLocalOptions(['--host', host, '--allow-remote'])).toMatchObject({
        host,
        allowRemote: true,
      });
    }
  });

  it('validates the port and resolves the data dir', () => {
    expect(parseLocalOptions(['--port=0', '--data-dir', 'x/y'])).toMatchObject({
      port: 0,
      dataDir: resolve('x/y'),
    });
    for (const port of ['-1', '65536', '12ab', '']) {
      expect(() => parseLocalOptions([`--port=${port}`]), port).toThrow(
        /--port must be an integer from 0 to 65535/,
      );
    }
  });

  it('reports unknown flags and stray arguments as usage errors', () => {
    expect(() => parseLocalOptions(['--verbose'])).toThrow(UsageError);
    expect(() => parseLocalOptions(['extra'])).toThrow(UsageError);
    expect(parseLocalOptions(['-h'])).toBe('help');
  });
});
