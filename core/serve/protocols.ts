/**
 * The request and response shapes of the standard serving protocols, mapped onto one
 * deployment's rows (features in signature order) and predictions:
 *
 * - TF Serving REST, columnar: `{"inputs": {"FEATURE": [v, ...], ...}}` (or `"inputs": [row, ...]`
 *   for one unnamed input), answered as `{"outputs": [...]}`; `signature_name` may be absent,
 *   "" or "serving_default" (the only signature a deployment has).
 * - The Open Inference Protocol (KServe V2): typed tensors `{"name", "shape", "datatype",
 *   "data"}` (data row-major, flat or nested), either one `[N, F]` tensor of all features in
 *   signature order or one `[N]` / `[N, 1]` tensor per feature, answered with a `predictions`
 *   FP32 `[N, K]` tensor (and `classes`, BYTES `[N]`, for classification).
 *
 * Everything here only reshapes; the rows are checked by validate.ts as any request's are.
 */
import type { FeatureSpec, ModelSignature } from '../registry/types';
import { ValidationError } from './validate';

const describe = (v: unknown): string =>
  v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v;

/** `signature_name` names the one signature a deployment has, or nothing. */
export function checkSignatureName(body: Record<string, unknown>): void {
  const name = body.signature_name;
  if (name === undefined || name === null || name === '' || name === 'serving_default') return;
  throw new ValidationError(
    'signature_name',
    `signature_name ${JSON.stringify(name)} is not served: this model has one signature, "serving_default" (or leave it out)`,
  );
}

/**
 * A TF Serving columnar body as the row body validate.ts checks: each named input is a
 * feature's column (all the same length; a single value is one row), an array is rows.
 */
export function columnarToRows(
  body: Record<string, unknown>,
  features: readonly FeatureSpec[],
): Record<string, unknown> {
  if (body.instances !== undefined)
    throw new ValidationError(
      'inputs',
      'send either "instances" (rows) or "inputs" (columns), not both',
    );
  const { inputs, ...rest } = body;
  if (Array.isArray(inputs)) return { ...rest, instances: inputs };
  if (!inputs || typeof inputs !== 'object')
    throw new ValidationError(
      'inputs',
      `"inputs" must be an object of feature columns {"${features[0]?.name ?? 'FEATURE'}": [...], ...} or an array of rows, got ${describe(inputs)}`,
    );
  const columns = Object.entries(inputs as Record<string, unknown>);
  if (columns.length === 0)
    throw new ValidationError('inputs', '"inputs" is empty: send one column per feature');
  const known = new Set(features.map((f) => f.name));
  for (const [name] of columns) {
    if (!known.has(name))
      throw new ValidationError(
        `inputs.${name}`,
        `unknown input ${JSON.stringify(name)}; the inputs are ${features.map((f) => JSON.stringify(f.name)).join(', ')}`,
      );
  }
  const batched = columns.map(([, v]) => Array.isArray(v));
  if (batched.some((b) => b !== batched[0]))
    throw new ValidationError(
      'inputs',
      'the inputs mix columns (arrays) and single values: send every input as a column of the same length, or every one as one value',
    );
  if (!batched[0]) return { ...rest, instances: [Object.fromEntries(columns)] };
  const n = (columns[0][1] as unknown[]).length;
  for (const [name, column] of columns) {
    if ((column as unknown[]).length !== n)
      throw new ValidationError(
        `inputs.${name}`,
        `input ${JSON.stringify(name)} has ${(column as unknown[]).length} values but ${JSON.stringify(columns[0][0])} has ${n}: every column holds one value per row`,
      );
  }
  const instances = Array.from({ length: n }, (_, i) =>
    Object.fromEntries(columns.map(([name, column]) => [name, (column as unknown[])[i]])),
  );
  return { ...rest, instances };
}

// ---- Open Inference Protocol (KServe V2) ----

const NUMERIC = new Set([
  'FP16',
  'FP32',
  'FP64',
  'INT8',
  'INT16',
  'INT32',
  'INT64',
  'UINT8',
  'UINT16',
  'UINT32',
  'UINT64',
]);
const DATATYPES = new Set([...NUMERIC, 'BOOL', 'BYTES']);

/** The V2 datatype a feature is sent as. */
export function v2Datatype(feature: FeatureSpec): string {
  return feature.dtype === 'float32'
    ? 'FP32'
    : feature.dtype === 'int32'
      ? 'INT32'
      : feature.dtype === 'bool'
        ? 'BOOL'
        : 'BYTES';
}

/** Model metadata (GET /v2/models/NAME[/versions/N]). */
export function v2Metadata(
  name: string,
  versions: number[],
  signature: ModelSignature,
  features: readonly FeatureSpec[],
): Record<string, unknown> {
  const k = signature.outputShape[signature.outputShape.length - 1];
  return {
    name,
    versions: versions.map(String),
    platform: 'tensorflowjs',
    inputs: [
      { name: 'input', datatype: 'FP32', shape: [-1, features.length] },
      ...features.map((f) => ({ name: f.name, datatype: v2Datatype(f), shape: [-1] })),
    ],
    outputs: [
      { name: 'predictions', datatype: 'FP32', shape: [-1, typeof k === 'number' ? k : -1] },
      ...(signature.task === 'classification'
        ? [{ name: 'classes', datatype: 'BYTES', shape: [-1] }]
        : []),
    ],
    parameters: {
      note: 'send either "input" ([N, F], features in this order) or one [N] tensor per feature',
      features: features.map((f) => f.name),
    },
  };
}

interface Tensor {
  name: string;
  shape: number[];
  datatype: string;
  data: unknown[];
}

function flatten(data: unknown[]): unknown[] {
  return data.some(Array.isArray) ? data.flat(Infinity) : data;
}

function checkTensor(value: unknown, i: number): Tensor {
  const where = `inputs[${i}]`;
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw new ValidationError(
      where,
      `${where} must be a tensor {"name", "shape", "datatype", "data"}, got ${describe(value)}`,
    );
  const t = value as Record<string, unknown>;
  if (typeof t.name !== 'string' || t.name === '')
    throw new ValidationError(`${where}.name`, `${where}.name must be a non-empty string`);
  const at = `input ${JSON.stringify(t.name)}`;
  if (
    !Array.isArray(t.shape) ||
    t.shape.length === 0 ||
    !t.shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)
  )
    throw new ValidationError(
      `${where}.shape`,
      `${at}: "shape" must be a list of sizes such as [2, 4], got ${JSON.stringify(t.shape)}`,
    );
  if (typeof t.datatype !== 'string' || !DATATYPES.has(t.datatype))
    throw new ValidationError(
      `${where}.datatype`,
      `${at}: "datatype" must be one of ${[...DATATYPES].join(', ')}, got ${JSON.stringify(t.datatype)}`,
    );
  if (!Array.isArray(t.data))
    throw new ValidationError(
      `${where}.data`,
      `${at}: "data" must be an array (row-major), got ${describe(t.data)}`,
    );
  const data = flatten(t.data);
  const size = (t.shape as number[]).reduce((a, b) => a * b, 1);
  if (data.length !== size)
    throw new ValidationError(
      `${where}.data`,
      `${at}: shape ${JSON.stringify(t.shape)} holds ${size} values but "data" has ${data.length}`,
    );
  const ok = NUMERIC.has(t.datatype)
    ? data.every((v) => typeof v === 'number')
    : t.datatype === 'BOOL'
      ? data.every((v) => typeof v === 'boolean')
      : data.every((v) => typeof v === 'string');
  if (!ok)
    throw new ValidationError(
      `${where}.data`,
      `${at}: every value of a ${t.datatype} tensor must be a ${NUMERIC.has(t.datatype) ? 'number' : t.datatype === 'BOOL' ? 'boolean' : 'string'}`,
    );
  return { name: t.name, shape: t.shape as number[], datatype: t.datatype, data };
}

export interface V2Request {
  id: string | null;
  /** The row body validate.ts checks. */
  body: { instances: unknown[] };
  /** Output names asked for (null: all). */
  outputs: string[] | null;
}

/** A V2 inference request as rows. */
export function v2ToRows(body: unknown, features: readonly FeatureSpec[]): V2Request {
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw new ValidationError(
      'body',
      `the request body must be a JSON object {"inputs": [tensor, ...]}, got ${describe(body)}`,
    );
  const b = body as Record<string, unknown>;
  const id =
    b.id === undefined || b.id === null
      ? null
      : typeof b.id === 'string'
        ? b.id
        : (() => {
            throw new ValidationError('id', `"id" must be a string, got ${describe(b.id)}`);
          })();
  if (!Array.isArray(b.inputs) || b.inputs.length === 0)
    throw new ValidationError(
      'inputs',
      `"inputs" must be a non-empty array of tensors {"name", "shape", "datatype", "data"}, got ${b.inputs === undefined ? 'nothing' : describe(b.inputs)}`,
    );
  let outputs: string[] | null = null;
  if (b.outputs !== undefined && b.outputs !== null) {
    if (
      !Array.isArray(b.outputs) ||
      !b.outputs.every(
        (o) => o && typeof o === 'object' && typeof (o as { name?: unknown }).name === 'string',
      )
    )
      throw new ValidationError(
        'outputs',
        '"outputs" must be an array of {"name": "predictions" | "classes"}',
      );
    outputs = (b.outputs as { name: string }[]).map((o) => o.name);
  }
  const tensors = b.inputs.map(checkTensor);
  const width = features.length;
  if (tensors.length === 1 && !features.some((f) => f.name === tensors[0].name)) {
    const t = tensors[0];
    if (t.shape.length !== 2 || t.shape[1] !== width)
      throw new ValidationError(
        'inputs[0].shape',
        `input ${JSON.stringify(t.name)} must have shape [N, ${width}] (the features ${features.map((f) => f.name).join(', ')}), got ${JSON.stringify(t.shape)}`,
      );
    const n = t.shape[0];
    const instances = Array.from({ length: n }, (_, r) => t.data.slice(r * width, (r + 1) * width));
    return { id, body: { instances }, outputs };
  }
  const byName = new Map(tensors.map((t) => [t.name, t]));
  for (const t of tensors) {
    if (!features.some((f) => f.name === t.name))
      throw new ValidationError(
        'inputs',
        `unknown input ${JSON.stringify(t.name)}: send one [N, ${width}] tensor, or one [N] tensor per feature (${features.map((f) => JSON.stringify(f.name)).join(', ')})`,
      );
    if (!(t.shape.length === 1 || (t.shape.length === 2 && t.shape[1] === 1)))
      throw new ValidationError(
        'inputs',
        `input ${JSON.stringify(t.name)} is one feature: its shape must be [N] or [N, 1], got ${JSON.stringify(t.shape)}`,
      );
  }
  const missing = features.filter((f) => !byName.has(f.name));
  if (missing.length)
    throw new ValidationError(
      `inputs.${missing[0].name}`,
      `missing input ${missing.map((f) => JSON.stringify(f.name)).join(', ')}: send one [N] tensor per feature`,
    );
  const n = tensors[0].shape[0];
  const odd = tensors.find((t) => t.shape[0] !== n);
  if (odd)
    throw new ValidationError(
      'inputs',
      `input ${JSON.stringify(odd.name)} has ${odd.shape[0]} rows but ${JSON.stringify(tensors[0].name)} has ${n}`,
    );
  const instances = Array.from({ length: n }, (_, r) =>
    Object.fromEntries(features.map((f) => [f.name, byName.get(f.name)!.data[r]])),
  );
  return { id, body: { instances }, outputs };
}

/** The V2 inference response. */
export function v2Response(input: {
  name: string;
  version: number;
  id: string;
  outputs: number[][];
  classes: string[] | null;
  wanted: string[] | null;
  parameters: Record<string, unknown>;
}): Record<string, unknown> {
  const k = input.outputs[0]?.length ?? 0;
  const all: Tensor[] = [
    {
      name: 'predictions',
      datatype: 'FP32',
      shape: [input.outputs.length, k],
      data: input.outputs.flat(),
    },
  ];
  if (input.classes)
    all.push({
      name: 'classes',
      datatype: 'BYTES',
      shape: [input.classes.length],
      data: input.classes,
    });
  if (input.wanted) {
    const unknown = input.wanted.find((w) => !all.some((t) => t.name === w));
    if (unknown !== undefined)
      throw new ValidationError(
        'outputs',
        `unknown output ${JSON.stringify(unknown)}; the outputs are ${all.map((t) => JSON.stringify(t.name)).join(', ')}`,
      );
  }
  return {
    model_name: input.name,
    model_version: String(input.version),
    id: input.id,
    parameters: input.parameters,
    outputs: input.wanted ? all.filter((t) => input.wanted!.includes(t.name)) : all,
  };
}
