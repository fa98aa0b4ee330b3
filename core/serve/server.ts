/**
 * The HTTP API of a deployment (fastify), TF Serving compatible where TF Serving has an
 * answer:
 *
 *   POST /v1/models/NAME:predict            {"instances": [...], "key"?}  -> {"predictions", "id", "ids", ...}
 *                                           {"inputs": {FEATURE: [...]}}  -> {"outputs", ...} (columnar)
 *   POST /v1/models/NAME/versions/N:predict the same, answered by that version
 *   POST /v1/models/NAME/labels/LABEL:predict  by the version a registry alias or stage names
 *   GET  /v1/models/NAME                    {"model_version_status": [...]}
 *   GET  /v1/models/NAME/metadata           the signature
 *   POST /v1/models/NAME:feedback           {"id", "label"}
 *   GET  /healthz                           open (no token)
 *   GET  /metrics                           Prometheus text
 *   GET  /v1/deployment, POST /v1/deployment:control   status and control messages
 *   GET  /v2/health/live, /v2/health/ready  open (no token): the Open Inference Protocol's probes
 *   GET  /v2/models/NAME[/versions/N][/ready]      V2 model metadata / readiness
 *   POST /v2/models/NAME[/versions/N]/infer        V2 typed tensors (protocols.ts)
 *
 * Every route but /healthz needs `Authorization: Bearer TOKEN`. Errors are JSON
 * `{"error": "..."}` (TF Serving's key), with 400 for malformed JSON, 413 above the body
 * limit, 422 naming the field for wrong features or types, 404/409 for control refusals and
 * 500 for anything unexpected; no error stops the server. Build it with `buildServer` and
 * test it with `app.inject`, no port needed.
 */
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { Server as NetServer } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { RegistryError } from '../registry/types';
import { METRICS_CONTENT_TYPE } from './metrics';
import type { ServingRuntime } from './runtime';
import {
  KEY_HEADER,
  REQUEST_ID_HEADER,
  ServeError,
  VARIANT_HEADER,
  CONTROL_TYPES,
  type ControlMessage,
} from '../common/serve-types';
import { ValidationError, validateFeedback, validateInstances } from './validate';
import { checkSignatureName, columnarToRows, v2Metadata, v2Response, v2ToRows } from './protocols';
import { resolveModelRef } from '../registry/refs';

export interface ServerOptions {
  token: string;
  /** Bytes; default the deployment's config. */
  bodyLimit?: number;
}

class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** Servers being drained: their responses tell keep-alive clients to close. */
const draining = new WeakSet<FastifyInstance>();

/**
 * Stops a listening server without resetting anyone: no new connection is accepted, every
 * request already sent on an open connection is answered with `Connection: close`, and the
 * server closes once those connections are gone (or after `timeoutMs`, closing the idle rest).
 * fastify's own close goes through http.Server#close, which since Node 19 destroys idle
 * keep-alive sockets at once, so a client that has just written a request on one reads a reset.
 */
export async function drainServer(app: FastifyInstance, timeoutMs = 5000): Promise<void> {
  draining.add(app);
  const server = app.server;
  // net.Server#close stops the listener alone; the open connections stay (its callback would
  // wait for them all, idle ones included, so it is not awaited).
  if (server.listening) NetServer.prototype.close.call(server);
  const deadline = Date.now() + timeoutMs;
  const open = () =>
    new Promise<number>((resolve) => server.getConnections((_e, n) => resolve(n ?? 0)));
  while ((await open()) > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  server.closeIdleConnections();
  await app.close();
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/** `NAME:verb` or `NAME/versions/N:verb` after /v1/models/. */
function parseModelPath(rest: string): {
  name: string;
  version?: number;
  label?: string;
  verb: string | null;
  metadata: boolean;
} | null {
  let path: string;
  try {
    path = decodeURIComponent(rest);
  } catch {
    return null;
  }
  const colon = path.lastIndexOf(':');
  const verb = colon >= 0 ? path.slice(colon + 1) : null;
  let target = colon >= 0 ? path.slice(0, colon) : path;
  let metadata = false;
  if (target.endsWith('/metadata')) {
    metadata = true;
    target = target.slice(0, -'/metadata'.length);
  }
  const versioned = /^(.*)\/versions\/(\d+)$/.exec(target);
  if (versioned) return { name: versioned[1], version: Number(versioned[2]), verb, metadata };
  const labelled = /^(.*)\/labels\/([^/]+)$/.exec(target);
  if (labelled) return { name: labelled[1], label: labelled[2], verb, metadata };
  if (target.includes('/')) return null;
  return { name: target, verb, metadata };
}

export function buildServer(runtime: ServingRuntime, options: ServerOptions): FastifyInstance {
  const bodyLimit = options.bodyLimit ?? runtime.config.bodyLimit;
  const tokenDigest = digest(options.token);
  const app = Fastify({
    logger: false,
    bodyLimit,
    genReqId: () => randomUUID(),
    return503OnClosing: true,
  });
  const variantOf = new WeakMap<FastifyRequest, string>();

  // Any content type is read as JSON: `curl -d '{...}'` sends form-urlencoded, as TF Serving users do.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit }, (_request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') {
      done(
        new HttpError(400, 'the request body is empty; send JSON such as {"instances": [...]}'),
        undefined,
      );
      return;
    }
    try {
      done(null, JSON.parse(text));
    } catch (error) {
      done(
        new HttpError(400, `malformed JSON in the request body: ${(error as Error).message}`),
        undefined,
      );
    }
  });

  app.addHook('onRequest', async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id);
    const path = request.url.split('?')[0];
    // Probes (Kubernetes, KServe) carry no token.
    if (path === '/healthz' || path === '/v2/health/live' || path === '/v2/health/ready') return;
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match || !timingSafeEqual(digest(match[1]), tokenDigest)) {
      reply.header('www-authenticate', 'Bearer realm="labbook"');
      throw new HttpError(
        401,
        match
          ? "the bearer token is not this deployment's"
          : 'missing "Authorization: Bearer TOKEN" (the token is in the deployment\'s token file under .labbook/deployments/)',
      );
    }
  });

  app.addHook('onSend', async (_request, reply) => {
    if (draining.has(app)) reply.header('connection', 'close');
  });

  app.addHook('onResponse', async (request, reply) => {
    const url = request.url;
    const endpoint =
      url.startsWith('/v2/models/') && request.method === 'POST'
        ? /\/infer(\?|$)/.test(url)
          ? 'predict'
          : 'other'
        : url.startsWith('/v1/models/') && request.method === 'POST'
          ? /:predict(\?|$)/.test(url)
            ? 'predict'
            : /:feedback(\?|$)/.test(url)
              ? 'feedback'
              : 'other'
          : 'other';
    runtime.metrics.request(
      endpoint,
      variantOf.get(request) ?? 'none',
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
  });

  app.setErrorHandler(
    (error: Error & { statusCode?: number; code?: string; field?: string }, _request, reply) => {
      let status = 500;
      let message = error.message;
      let extra: Record<string, unknown> = {};
      if (error instanceof HttpError) {
        status = error.statusCode;
        extra = error.extra;
      } else if (error instanceof ValidationError) {
        status = 422;
        extra = { field: error.field };
      } else if (error instanceof ServeError) {
        status =
          error.code === 'NOT_FOUND'
            ? 404
            : error.code === 'CONFLICT' || error.code === 'GATES_FAILED'
              ? 409
              : error.code === 'INVALID'
                ? 422
                : 500;
      } else if (error instanceof RegistryError) {
        status = error.code === 'NOT_FOUND' ? 404 : error.code === 'INVALID' ? 422 : 409;
        if (error.gates) extra = { gates: error.gates };
      } else if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || error.statusCode === 413) {
        status = 413;
        message = `the request body is larger than the limit of ${bodyLimit} bytes; send fewer instances per request`;
      } else if (
        typeof error.statusCode === 'number' &&
        error.statusCode >= 400 &&
        error.statusCode < 500
      ) {
        status = error.statusCode;
      } else {
        message = `internal error: ${error.message}`;
      }
      void reply.code(status).send({ error: message, ...extra });
    },
  );

  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send({
      error: `no route ${request.method} ${request.url.split('?')[0]}; see POST /v1/models/${runtime.name}:predict`,
    });
  });

  const requireName = (name: string) => {
    if (name !== runtime.name && name !== runtime.modelName) {
      throw new HttpError(
        404,
        `this server serves ${JSON.stringify(runtime.name)}, not ${JSON.stringify(name)}`,
      );
    }
  };

  app.get('/healthz', async () => ({ status: 'ok', deployment: runtime.name }));

  app.get('/metrics', async (_request, reply) => {
    void reply.type(METRICS_CONTENT_TYPE);
    const split = runtime.currentSplit;
    return runtime.metrics.render({
      versions: runtime.variants(),
      weight: split.candidate === null ? 0 : split.strategy === 'shadow' ? 0 : split.weight,
      strategy: split.strategy,
      logBuffered: runtime.log.buffered,
    });
  });

  app.get('/v1/models/*', async (request) => {
    const parsed = parseModelPath((request.params as { '*': string })['*']);
    if (!parsed || parsed.verb !== null)
      throw new HttpError(
        404,
        'unknown model path; GET /v1/models/NAME or /v1/models/NAME/metadata',
      );
    requireName(parsed.name);
    const variants = runtime
      .variants()
      .filter((v) => parsed.version === undefined || v.version === parsed.version);
    if (variants.length === 0)
      throw new HttpError(404, `${runtime.name} does not serve version ${parsed.version}`);
    if (parsed.metadata) {
      return {
        model_spec: {
          name: runtime.name,
          signature_name: '',
          version: String(variants[0].version),
        },
        metadata: { signature: runtime.signature },
      };
    }
    return {
      model_version_status: variants.map((v) => ({
        version: String(v.version),
        state: 'AVAILABLE',
        status: { error_code: 'OK', error_message: '' },
      })),
    };
  });

  app.post('/v1/models/*', async (request: FastifyRequest, reply: FastifyReply) => {
    const parsed = parseModelPath((request.params as { '*': string })['*']);
    if (!parsed || parsed.metadata || (parsed.verb !== 'predict' && parsed.verb !== 'feedback')) {
      throw new HttpError(
        404,
        `unknown verb; POST /v1/models/${runtime.name}:predict or :feedback`,
      );
    }
    requireName(parsed.name);
    if (parsed.verb === 'feedback') {
      const { id, label } = validateFeedback(request.body);
      const result = runtime.feedback(id, label);
      variantOf.set(request, result.variant);
      return { id, variant: result.variant, correct: result.correct, error: result.error };
    }
    let body = request.body;
    const columnar = !!body && typeof body === 'object' && !Array.isArray(body) && 'inputs' in body;
    if (body && typeof body === 'object' && !Array.isArray(body)) {
      checkSignatureName(body as Record<string, unknown>);
      if (columnar) body = columnarToRows(body as Record<string, unknown>, runtime.features);
    }
    const version = parsed.label !== undefined ? versionOfLabel(parsed.label) : parsed.version;
    const result = await predictBody(request, reply, body, version);
    // TF Serving answers the columnar format in kind.
    const answer: Record<string, unknown> = columnar
      ? { outputs: result.outputs }
      : { predictions: result.outputs };
    if (result.classes) answer.classes = result.classes;
    answer.id = result.requestId;
    answer.ids = result.ids;
    answer.model_version = String(result.version);
    answer.variant = result.variant;
    return answer;
  });

  /** A version label (TF Serving's /labels/LABEL) is a registry alias or stage of the model. */
  const versionOfLabel = (label: string): number => {
    let version: number;
    try {
      version = resolveModelRef(runtime.registry, `${runtime.modelName}@${label}`).version;
    } catch (error) {
      throw new HttpError(404, `label ${JSON.stringify(label)}: ${(error as Error).message}`);
    }
    if (!runtime.variants().some((v) => v.version === version))
      throw new HttpError(
        404,
        `label ${JSON.stringify(label)} is v${version}, which ${runtime.name} does not serve (serving ${runtime
          .variants()
          .map((v) => `v${v.version}`)
          .join(', ')})`,
      );
    return version;
  };

  const predictBody = async (
    request: FastifyRequest,
    reply: FastifyReply,
    body: unknown,
    version: number | undefined,
  ) => {
    const validated = validateInstances(body, runtime.features, {
      maxInstances: runtime.config.maxInstances,
    });
    const headerKey = request.headers[KEY_HEADER];
    const key = typeof headerKey === 'string' && headerKey !== '' ? headerKey : validated.key;
    const result = await runtime.predict(validated.rows, {
      key,
      requestId: request.id,
      version,
    });
    variantOf.set(request, result.variant);
    void reply.header(VARIANT_HEADER, `${result.variant}/${result.version}`);
    return result;
  };

  // ---- Open Inference Protocol (KServe V2) ----

  app.get('/v2/health/live', async () => ({ live: true }));
  app.get('/v2/health/ready', async () => ({ ready: true }));
  app.get('/v2', async () => ({
    name: 'labbook',
    version: '1',
    extensions: [],
  }));

  /** `NAME` or `NAME/versions/N`, then an optional last part (ready, infer). */
  const v2Target = (rest: string): { version?: number; tail: string } => {
    const m = /^([^/]+)(?:\/versions\/([^/]+))?(?:\/(ready|infer))?$/.exec(rest);
    if (!m)
      throw new HttpError(
        404,
        `unknown path; /v2/models/${runtime.name}[/versions/N][/ready | /infer]`,
      );
    let name: string;
    try {
      name = decodeURIComponent(m[1]);
    } catch {
      throw new HttpError(404, `the model name in ${JSON.stringify(m[1])} is not valid URL text`);
    }
    requireName(name);
    let version: number | undefined;
    if (m[2] !== undefined) {
      version = Number(m[2]);
      if (!Number.isSafeInteger(version) || !runtime.variants().some((v) => v.version === version))
        throw new HttpError(
          404,
          `${runtime.name} does not serve version ${m[2]} (serving ${runtime
            .variants()
            .map((v) => v.version)
            .join(', ')})`,
        );
    }
    return { version, tail: m[3] ?? '' };
  };

  app.get('/v2/models/*', async (request) => {
    const target = v2Target((request.params as { '*': string })['*']);
    if (target.tail === 'infer')
      throw new HttpError(405, 'infer is POST /v2/models/NAME[/versions/N]/infer');
    if (target.tail === 'ready') return { name: runtime.name, ready: true };
    const versions =
      target.version !== undefined ? [target.version] : runtime.variants().map((v) => v.version);
    return v2Metadata(runtime.name, versions, runtime.signature, runtime.features);
  });

  app.post('/v2/models/*', async (request: FastifyRequest, reply: FastifyReply) => {
    const target = v2Target((request.params as { '*': string })['*']);
    if (target.tail !== 'infer')
      throw new HttpError(404, `POST /v2/models/${runtime.name}[/versions/N]/infer`);
    const v2 = v2ToRows(request.body, runtime.features);
    const result = await predictBody(request, reply, v2.body, target.version);
    return v2Response({
      name: runtime.name,
      version: result.version,
      id: v2.id ?? result.requestId,
      outputs: result.outputs,
      classes: result.classes,
      wanted: v2.outputs,
      // Parameter values are strings, numbers or booleans in the protocol: the ids joined.
      parameters: { prediction_ids: result.ids.join(','), variant: result.variant },
    });
  });

  app.get('/v1/deployment', async () => runtime.status());

  app.post('/v1/deployment::control', async (request) => {
    const message = request.body as ControlMessage | undefined;
    if (
      !message ||
      typeof message !== 'object' ||
      typeof (message as { type?: unknown }).type !== 'string'
    ) {
      throw new HttpError(
        422,
        `a control message is {"type": ${CONTROL_TYPES.map((t) => `"${t}"`).join(' | ')}, ...}`,
        { field: 'type' },
      );
    }
    if (
      (message.type === 'shift' && typeof message.weight !== 'number') ||
      (message.type === 'candidate' &&
        message.weight !== undefined &&
        typeof message.weight !== 'number')
    )
      throw new HttpError(422, '"weight" must be a percentage from 0 to 100', { field: 'weight' });
    if (message.type === 'candidate' && typeof message.ref !== 'string')
      throw new HttpError(422, '"ref" must name the candidate version: 4, NAME/4 or @staging', {
        field: 'ref',
      });
    return runtime.control(message);
  });

  return app;
}
