/**
 * A predict request checked against the model's signature, before any tensor is made:
 * `{"instances": [...]}` where each instance is an object of features by name or an array
 * of values in the signature's order (TF Serving's "row" format). Every message names the
 * instance and the field, so a client can fix the request from the message alone.
 */
import type { FeatureSpec, ModelSignature } from '../registry/types';

export type FeatureValue = number | string | boolean;

export interface ValidatedRequest {
  /** One row of feature values per instance, in signature order. */
  rows: FeatureValue[][];
  /** Request key for sticky routing (the body's `key`), when given. */
  key: string | null;
}

export class ValidationError extends Error {
  override name = 'ValidationError';
  /** `instances[3].Body Mass (g)`, `instances`, `key`… */
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string')
    return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return `${typeof value} ${String(value)}`;
}

/** The largest finite float32. */
const FLOAT32_MAX = 3.4028234663852886e38;

function checkValue(spec: FeatureSpec, value: unknown, field: string): FeatureValue {
  switch (spec.dtype) {
    case 'float32':
      // A finite double beyond float32's range (1e39, 3.5e38) becomes Infinity in the
      // tensor, and the model then answers NaN (null in JSON) with a 200.
      if (typeof value === 'number' && Number.isFinite(Math.fround(value))) return value;
      if (typeof value === 'number' && Number.isFinite(value)) {
        throw new ValidationError(
          field,
          `${field} is ${String(value)}, outside the float32 range the model takes (at most ±${FLOAT32_MAX.toExponential(6)})`,
        );
      }
      throw new ValidationError(
        field,
        `${field} must be a finite number (float32), got ${value === undefined ? 'nothing' : describe(value)}`,
      );
    case 'int32':
      if (
        typeof value === 'number' &&
        Number.isInteger(value) &&
        value >= -2147483648 &&
        value <= 2147483647
      )
        return value;
      throw new ValidationError(
        field,
        `${field} must be a whole number (int32), got ${value === undefined ? 'nothing' : describe(value)}`,
      );
    case 'bool':
      if (typeof value === 'boolean') return value;
      if (value === 0 || value === 1) return value === 1;
      throw new ValidationError(
        field,
        `${field} must be true or false (bool), got ${value === undefined ? 'nothing' : describe(value)}`,
      );
    default:
      if (typeof value === 'string') return value;
      throw new ValidationError(
        field,
        `${field} must be a string, got ${value === undefined ? 'nothing' : describe(value)}`,
      );
  }
}

/** Features the model takes: the signature's, checked to be a row of named values. */
export function featuresOf(signature: ModelSignature | null): FeatureSpec[] {
  if (!signature || !Array.isArray(signature.features) || signature.features.length === 0) {
    throw new Error(
      'the model version has no signature (feature names and types); register it with run.logModel(model, { signature }) to serve it',
    );
  }
  if (signature.inputShape.length !== 2 || signature.inputShape[1] !== signature.features.length) {
    throw new Error(
      `the model takes input of shape [${signature.inputShape.map(String).join(', ')}]; serving needs rows of ${signature.features.length} features ([null, ${signature.features.length}])`,
    );
  }
  return signature.features;
}

/** Checks a parsed predict body against the features; throws ValidationError naming the field. */
export function validateInstances(
  body: unknown,
  features: readonly FeatureSpec[],
  options: { maxInstances?: number } = {},
): ValidatedRequest {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new ValidationError(
      'body',
      `the request body must be a JSON object {"instances": [...]}, got ${describe(body)}`,
    );
  }
  const record = body as Record<string, unknown>;
  for (const field of Object.keys(record)) {
    if (field !== 'instances' && field !== 'key' && field !== 'signature_name') {
      throw new ValidationError(
        field,
        `unknown field "${field}" in the request body; send {"instances": [...]} (rows) or {"inputs": {...}} (columns) and optionally "key" and "signature_name"`,
      );
    }
  }
  let key: string | null = null;
  if (record.key !== undefined && record.key !== null) {
    if (typeof record.key !== 'string' && typeof record.key !== 'number')
      throw new ValidationError(
        'key',
        `key must be a string or a number, got ${describe(record.key)}`,
      );
    key = String(record.key);
  }
  const instances = record.instances;
  if (!Array.isArray(instances)) {
    throw new ValidationError(
      'instances',
      `"instances" must be an array of rows, got ${instances === undefined ? 'nothing' : describe(instances)}`,
    );
  }
  if (instances.length === 0)
    throw new ValidationError('instances', '"instances" is empty: send at least one row');
  const max = options.maxInstances ?? Infinity;
  if (instances.length > max)
    throw new ValidationError(
      'instances',
      `"instances" has ${instances.length} rows; the limit is ${max} per request`,
    );
  const names = features.map((f) => f.name);
  const rows: FeatureValue[][] = new Array(instances.length);
  for (let i = 0; i < instances.length; i++) {
    const instance = instances[i];
    const at = `instances[${i}]`;
    if (Array.isArray(instance)) {
      if (instance.length !== features.length) {
        throw new ValidationError(
          at,
          `${at} has ${instance.length} values but the model takes ${features.length} features in this order: ${names.join(', ')}`,
        );
      }
      rows[i] = features.map((spec, j) =>
        checkValue(spec, instance[j], `${at}[${j}] (${spec.name})`),
      );
    } else if (instance !== null && typeof instance === 'object') {
      const row = instance as Record<string, unknown>;
      for (const field of Object.keys(row)) {
        if (!names.includes(field)) {
          throw new ValidationError(
            `${at}.${field}`,
            `${at} has an unknown feature "${field}"; the model takes: ${names.join(', ')}`,
          );
        }
      }
      rows[i] = features.map((spec) => {
        if (!(spec.name in row))
          throw new ValidationError(
            `${at}.${spec.name}`,
            `${at} is missing the feature "${spec.name}"`,
          );
        return checkValue(spec, row[spec.name], `${at}.${spec.name}`);
      });
    } else {
      throw new ValidationError(
        at,
        `${at} must be an object of features by name or an array of ${features.length} values, got ${describe(instance)}`,
      );
    }
  }
  return { rows, key };
}

/** Checks a feedback body: `{"id": "...", "label": ...}`. */
export function validateFeedback(body: unknown): { id: string; label: string | number | boolean } {
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw new ValidationError(
      'body',
      `feedback must be a JSON object {"id": "...", "label": ...}, got ${describe(body)}`,
    );
  const { id, label } = body as Record<string, unknown>;
  if (typeof id !== 'string' || id === '' || id.length > 200)
    throw new ValidationError(
      'id',
      `"id" must be the prediction id returned by :predict, got ${id === undefined ? 'nothing' : describe(id)}`,
    );
  if (
    typeof label === 'number'
      ? !Number.isFinite(label)
      : typeof label !== 'string' && typeof label !== 'boolean'
  ) {
    throw new ValidationError(
      'label',
      `"label" must be the true class name, class index or value, got ${label === undefined ? 'nothing' : describe(label)}`,
    );
  }
  for (const field of Object.keys(body)) {
    if (field !== 'id' && field !== 'label')
      throw new ValidationError(
        field,
        `unknown field "${field}" in feedback; send {"id", "label"}`,
      );
  }
  return { id, label: label as string | number | boolean };
}
