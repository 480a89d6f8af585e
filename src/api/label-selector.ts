// metav1.LabelSelector with Kubernetes' validation rules, for kinds that pick objects by label.
import { z } from 'zod';

export const LABEL_SELECTOR_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const;
export type LabelSelectorOperator = (typeof LABEL_SELECTOR_OPERATORS)[number];

/** A label key: optional DNS-subdomain prefix and `/`, then a name of at most 63 characters. */
const LABEL_KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
/** A label value: empty, or at most 63 characters starting and ending alphanumeric. */
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

const labelKey = z.string().min(1).max(317).regex(LABEL_KEY, {
  error: 'must be a label key (an optional DNS prefix and "/", then a name of 1-63 characters)',
});
const labelValue = z
  .string()
  .max(63)
  .regex(LABEL_VALUE, { error: 'must be a label value (at most 63 characters, alphanumeric at both ends)' });

export const labelSelectorRequirementSchema = z
  .object({
    key: labelKey.describe('The label key the requirement applies to.'),
    operator: z
      .enum(LABEL_SELECTOR_OPERATORS)
      .describe("How the key's value must relate to values: In, NotIn, Exists or DoesNotExist."),
    values: z
      .array(labelValue.describe('A label value.'))
      .max(256)
      .optional()
      .describe('Values for In and NotIn (at least one); must be empty for Exists and DoesNotExist.'),
  })
  .describe('A requirement on one label.')
  .superRefine((requirement, context) => {
    const needsValues = requirement.operator === 'In' || requirement.operator === 'NotIn';
    const count = requirement.values?.length ?? 0;
    if (needsValues && count === 0) {
      context.addIssue({
        code: 'custom',
        path: ['values'],
        message: `must be non-empty for ${requirement.operator}`,
      });
    }
    if (!needsValues && count > 0) {
      context.addIssue({
        code: 'custom',
        path: ['values'],
        message: `must be empty for ${requirement.operator}`,
      });
    }
  });

export const labelSelectorSchema = z
  .object({
    matchLabels: z
      .record(labelKey, labelValue.describe('The value the label must have.'))
      .optional()
      .describe('Labels an object must carry with exactly these values.'),
    matchExpressions: z
      .array(labelSelectorRequirementSchema)
      .max(64)
      .optional()
      .describe('Requirements an object must all meet.'),
  })
  .describe(
    'Selects objects by label (metav1.LabelSelector): all matchLabels and all matchExpressions must hold.',
  );
export type LabelSelector = z.output<typeof labelSelectorSchema>;
export type LabelSelectorRequirement = z.output<typeof labelSelectorRequirementSchema>;
