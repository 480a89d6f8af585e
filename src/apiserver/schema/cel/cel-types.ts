import type { Environment } from '@marcbachmann/cel-js';
import {
  additionalPropertiesOf,
  isEmbeddedResource,
  isIntOrString,
  isPreserveUnknown,
  itemsOf,
  propertiesOf,
  type SchemaNode,
} from '../schema-node.ts';

/**
 * Declares the CEL types of a structural schema in a type-checking environment, the way kube-apiserver derives
 * them (apiserver/pkg/cel/common): objects with properties become message types whose fields are the declared
 * properties (so `self.bogus` fails to compile), maps become `map<string, V>`, arrays `list<T>`, integers `int`,
 * numbers `double`; int-or-string and preserve-unknown nodes are `dyn`. Resource roots and embedded resources
 * also expose apiVersion, kind and metadata.name/generateName.
 *
 * Message types only exist for checking: evaluation runs on plain JSON in a dyn environment, where equality of
 * objects is structural. So `==` (and with it `!=`) is declared for every message type here.
 */
export class CelTypeDeclarer {
  private readonly env: Environment;
  private count = 0;

  constructor(env: Environment) {
    this.env = env;
  }

  /** Registers the types a node needs and returns the node's CEL type expression. */
  typeOf(node: SchemaNode | undefined, isRoot = false): string {
    if (!node || isIntOrString(node)) return 'dyn';
    switch (node.type) {
      case 'integer':
        return 'int';
      case 'number':
        return 'double';
      case 'string':
        return 'string';
      case 'boolean':
        return 'bool';
      case 'array':
        return `list<${this.typeOf(itemsOf(node))}>`;
      case 'object':
        return this.objectType(node, isRoot);
      default:
        return 'dyn';
    }
  }

  private objectType(node: SchemaNode, isRoot: boolean): string {
    const properties = propertiesOf(node);
    const additional = additionalPropertiesOf(node);
    const embedded = isRoot || isEmbeddedResource(node);
    if (!properties && additional) return `map<string, ${this.typeOf(additional.schema)}>`;
    if (!properties && !embedded) return isPreserveUnknown(node) ? 'dyn' : 'map<string, dyn>';
    const fields: Record<string, string> = {};
    if (embedded) {
      fields.apiVersion = 'string';
      fields.kind = 'string';
      fields.metadata = this.register({ name: 'string', generateName: 'string' });
    }
    for (const [key, property] of Object.entries(properties ?? {})) {
      if (embedded && key === 'metadata') continue;
      fields[key] = this.typeOf(property);
    }
    // An object that also keeps unknown fields cannot be a closed message type.
    if (isPreserveUnknown(node)) return 'dyn';
    return this.register(fields);
  }

  private register(fields: Record<string, string>): string {
    this.count += 1;
    const name = `object${this.count}`;
    this.env.registerType(name, { fields });
    // Checking only (cel-js derives `!=` from it): evaluation compares plain JSON structurally.
    this.env.registerOperator(`${name} == ${name}`, () => false);
    return name;
  }
}
