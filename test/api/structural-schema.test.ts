// The zod -> structural schema conversion on shapes the vmsnap kinds do not all use yet, so a new field type
// either converts correctly or fails generation with a clear message.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { toStructuralSchema, zodToOpenApi } from '../../src/api/crd/structural-schema.ts';

const convert = (schema: z.ZodType) => toStructuralSchema(zodToOpenApi(schema));

describe('toStructuralSchema', () => {
  it('maps become additionalProperties with a typed value', () => {
    expect(convert(z.object({ labels: z.record(z.string(), z.string()) }))).toEqual({
      type: 'object',
      properties: { labels: { type: 'object', additionalProperties: { type: 'string' } } },
      required: ['labels'],
    });
  });

  it('strict objects lose additionalProperties: false (the server prunes instead)', () => {
    expect(convert(z.strictObject({ a: z.string() }))).not.toHaveProperty('additionalProperties');
  });

  it('literals become single-value enums', () => {
    expect(convert(z.object({ v: z.literal('x') })).properties).toEqual({
      v: { type: 'string', enum: ['x'] },
    });
  });

  it('integers keep real bounds and drop the safe-integer ones', () => {
    expect(convert(z.object({ n: z.int().min(1) })).properties).toEqual({
      n: { type: 'integer', minimum: 1 },
    });
  });

  it('nullable fields stay typed', () => {
    expect(convert(z.object({ s: z.string().nullable() })).properties).toEqual({
      s: { type: 'string', nullable: true },
    });
  });

  it('unions are refused with the path of the field', () => {
    expect(() => convert(z.object({ spec: z.object({ size: z.union([z.string(), z.number()]) }) }))).toThrow(
      /\.spec\.size: "anyOf" is not allowed/,
    );
  });

  it('tuples are refused', () => {
    expect(() => convert(z.object({ pair: z.tuple([z.string(), z.string()]) }))).toThrow(/\.pair/);
  });
});
