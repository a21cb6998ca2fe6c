/**
 * Minimal, valid-looking arguments and a leaf selection for any field of the executable schema, so
 * tests can call every root field without a hand-written list (a new root is covered the day it lands).
 */
import {
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  isUnionType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLOutputType,
} from 'graphql';

let counter = 0;

/** A plausible value for a named input (field or argument) of `type`; `practiceId` is `practiceId`. */
export function sampleValue(name: string, type: GraphQLInputType, practiceId: string, all = false): unknown {
  if (isNonNullType(type)) return sampleValue(name, type.ofType, practiceId, all);
  if (isListType(type)) return [sampleValue(name, type.ofType, practiceId, all)];
  if (isInputObjectType(type)) {
    const out: Record<string, unknown> = {};
    for (const field of Object.values(type.getFields())) {
      // Required fields always; optional ones too when `all` (a fuller input reaches more code).
      if (isNonNullType(field.type) || all || field.name === 'practiceId') {
        out[field.name] = sampleValue(field.name, field.type, practiceId, all);
      }
    }
    return out;
  }
  if (isEnumType(type)) return type.getValues()[0]!.value;
  if (isScalarType(type)) {
    if (name === 'practiceId') return practiceId;
    if (/amount$/i.test(name)) return '10.00';
    if (name === 'idempotencyKey') return `tenancy-${Date.now()}-${++counter}`;
    if (name === 'number') return '4111111111111111';
    if (name === 'cvv') return '123';
    if (name === 'billingZip') return '12345';
    switch (type.name) {
      case 'ID':
        return '1';
      case 'String':
        return 'x';
      case 'Int':
      case 'SafeInt':
        return name === 'expMonth' ? 12 : name === 'expYear' ? 2030 : 1;
      case 'Float':
        return 1;
      case 'Boolean':
        return false;
      case 'Date':
        return '2024-01-01';
      case 'DateTime':
        return '2024-01-01T00:00:00Z';
      default:
        return '1';
    }
  }
  throw new Error(`no sample for ${String(type)}`);
}

/** `{ a b c }` of the type's leaf fields without required arguments, or `{ __typename }`. */
export function leafSelection(type: GraphQLOutputType, depth = 1): string {
  const named = getNamedType(type);
  if (isLeafType(named)) return '';
  if (isUnionType(named)) return '{ __typename }';
  if (!isObjectType(named) && !isInterfaceType(named)) return '{ __typename }';
  const parts = ['__typename'];
  for (const field of Object.values(named.getFields())) {
    if (field.args.some((a) => isNonNullType(a.type) && a.defaultValue === undefined)) continue;
    const inner = getNamedType(field.type);
    if (isLeafType(inner)) parts.push(field.name);
    else if (depth > 0 && !isListType(getNullableType(field.type))) {
      const sub = leafSelection(field.type, depth - 1);
      if (sub && sub !== '{ __typename }') parts.push(`${field.name} ${sub}`);
    }
  }
  return `{ ${parts.join(' ')} }`;
}

/** Whether the field scopes itself to a practice: a `practiceId` argument or `input.practiceId`. */
export function takesPractice(field: GraphQLField<unknown, unknown>): 'practiceId' | 'input' | null {
  if (field.args.some((a) => a.name === 'practiceId')) return 'practiceId';
  const input = field.args.find((a) => a.name === 'input');
  const inputType = input && getNamedType(input.type);
  if (inputType && isInputObjectType(inputType) && 'practiceId' in inputType.getFields()) return 'input';
  return null;
}

/** A variable-based operation calling `field` on `root`, and its variables. */
export function operationFor(
  root: 'query' | 'mutation' | 'subscription',
  field: GraphQLField<unknown, unknown>,
  practiceId: string,
  options: { argValue?: (arg: GraphQLArgument) => unknown; all?: boolean } = {},
): { query: string; variables: Record<string, unknown> } {
  const variables: Record<string, unknown> = {};
  const decls: string[] = [];
  const uses: string[] = [];
  for (const arg of field.args) {
    if (!isNonNullType(arg.type) && arg.name !== 'practiceId' && !options.all) continue;
    const value = options.argValue?.(arg) ?? sampleValue(arg.name, arg.type, practiceId, options.all);
    variables[arg.name] = value;
    decls.push(`$${arg.name}: ${String(arg.type)}`);
    uses.push(`${arg.name}: $${arg.name}`);
  }
  const args = uses.length ? `(${uses.join(', ')})` : '';
  const vars = decls.length ? `(${decls.join(', ')})` : '';
  return { query: `${root} Probe${vars} { ${field.name}${args} ${leafSelection(field.type)} }`, variables };
}
