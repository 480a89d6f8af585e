import { describe, expect, it } from 'vitest';
import {
  fieldError,
  formatBadValue,
  formatGoNumber,
  goQuote,
} from '../../src/apiserver/schema/field-errors.ts';

describe('Go value rendering in error bodies', () => {
  it('prints numbers as Go prints int64 and float64 with %v', () => {
    expect(formatGoNumber(3)).toBe('3');
    expect(formatGoNumber(-0.5)).toBe('-0.5');
    expect(formatGoNumber(1.5e-7)).toBe('1.5e-07');
    expect(formatGoNumber(2.5e21)).toBe('2.5e+21');
  });

  it('quotes strings like strconv.Quote', () => {
    expect(goQuote('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(goQuote('line\nnext\ttab\u0001')).toBe('"line\\nnext\\ttab\\x01"');
    expect(goQuote('héllo')).toBe('"héllo"');
  });

  it('renders null as "null" and composites as JSON', () => {
    expect(formatBadValue(null)).toBe('"null"');
    expect(formatBadValue(true)).toBe('true');
    expect(formatBadValue({ a: [1] })).toBe('{"a":[1]}');
  });

  it('builds causes in field.Error.ErrorBody form', () => {
    expect(fieldError.required('spec.a')).toEqual({
      reason: 'FieldValueRequired',
      field: 'spec.a',
      message: 'Required value',
    });
    expect(fieldError.forbidden('spec.a', 'nope')).toEqual({
      reason: 'FieldValueForbidden',
      field: 'spec.a',
      message: 'Forbidden: nope',
    });
    expect(fieldError.notSupported('spec.a', 'x', [])).toEqual({
      reason: 'FieldValueNotSupported',
      field: 'spec.a',
      message: 'Unsupported value: "x"',
    });
    expect(fieldError.tooMany('spec.a', -1, 3).message).toBe('Too many: must have at most 3 items');
  });
});
