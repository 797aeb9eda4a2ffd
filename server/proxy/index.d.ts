// Types of updox-direct/proxy (Node 20+, ESM). No @types/node needed: the Node adapter's
// request and response are typed by the members it uses.

/** The Updox credentials the proxy adds to every request (the browser never has them). */
export interface UpdoxCredentials {
  applicationId: string;
  applicationPassword: string;
  accountId: string;
  userId: string;
}

/** Who is sending: the patient the message must come from, and the idempotency scope. */
export interface Principal {
  /** The authenticated patient: the body's `from` must be `patient:{patientId}` and/or `patientDemographics.patientId` must equal it. */
  patientId: string | number;
  /** Idempotency keys (and DirectAddressValidate answers) are scoped to this; default: patientId. */
  scope?: string;
}

/** A per-patient budget: `points` requests per `duration` seconds. */
export interface RateLimit {
  points: number;
  duration: number;
}

export interface JwtOptions {
  /** HS256 shared secret, at least 32 bytes. Exactly one of secret / jwksUrl. */
  secret?: string;
  /** A JWKS URL whose keys sign RS256 or ES256 tokens. */
  jwksUrl?: string;
  /** Required `iss`, when set. */
  issuer?: string;
  /** Required `aud`, when set. */
  audience?: string | string[];
  /** Allowed clock skew for `exp`/`nbf`, seconds (default 5). */
  clockToleranceSec?: number;
}

/** What authorize() is given besides the request: the Node req/res through the Node adapter, or whatever a fetch handler's caller passed. */
export interface AuthorizeContext {
  req?: unknown;
  res?: unknown;
  [key: string]: unknown;
}

/** The idempotency store interface (memory and Redis are built in); values are opaque strings. */
export interface IdempotencyStore {
  claim(key: string, fingerprint: string): Promise<
    | { state: 'claimed'; token: string }
    | { state: 'in_flight' | 'mismatch' | 'full' }
    | { state: 'completed'; answer: string }
  >;
  complete(key: string, token: string, answer: string): Promise<boolean>;
  release(key: string, token: string): Promise<boolean>;
  wait(key: string, timeoutMs: number): Promise<{ state: 'completed'; answer: string } | { state: 'gone' | 'in_flight' }>;
  close(): Promise<void>;
}

export interface UpdoxProxyOptions {
  /** Updox's API base URL, e.g. `https://updoxqa.com/api/io` (QA) or `https://myupdox.com/api/io`. Required. */
  baseUrl: string;
  /** The Updox credentials. Required: the package has none built in. */
  auth: UpdoxCredentials;
  /** Authenticates the patient from the request (method, URL, headers; not the body). Return null/undefined/false (or throw) to refuse with 401. */
  authorize?: (request: Request, context?: AuthorizeContext) => Principal | null | undefined | false | Promise<Principal | null | undefined | false>;
  /** Authenticates with `Authorization: Bearer <JWT>` (`sub` = patient ID, `exp` required) instead of authorize. */
  jwt?: JwtOptions;
  /** No authentication: senders are not bound (a demo; prints a warning). Needed when neither authorize nor jwt is given. */
  demo?: boolean;
  /** The send route. Default `/api/updox/PatientDirectMessageSend`. */
  path?: string;
  /** The DirectAddressValidate route. Default `/api/updox/DirectAddressValidate`. */
  validatePath?: string;
  /** How long to wait for Updox, ms. Default 60000. */
  timeoutMs?: number;
  /** Largest send body, bytes. Default 30 MiB (20 MiB of attachments is about 27 MB of JSON). */
  bodyLimit?: number;
  /** Bytes of request bodies held at once across all requests; above it, 503 `proxy_busy`. Default 256 MiB (a 512 MB container). */
  maxInFlightBytes?: number;
  /** Host names (`name` or `name:port`, `*` for any) the proxy answers. Default: the address and port it listens on, plus localhost on a loopback listener (Node adapter); loopback names only (fetch handler). */
  allowedHosts?: string[];
  /** Origins allowed to call the proxy from another origin (CORS). Default none: same-origin only. */
  corsOrigins?: string[];
  /** Send `Access-Control-Allow-Credentials: true` to allow-listed origins (cookie sessions). Default true. */
  corsCredentials?: boolean;
  /** Per-patient limits. Default send 60/3600 s, validate 600/3600 s, delivery 1200/3600 s; demo mode 100000/60 s. */
  rateLimit?: { send?: RateLimit; validate?: RateLimit; delivery?: RateLimit };
  /** Redis URL: idempotency keys and rate limits shared by every instance (needs the `redis` package). */
  redisUrl?: string;
  /** A custom idempotency store (instead of memory or Redis). */
  store?: IdempotencyStore;
  /** Refuse sends without an Idempotency-Key (400). Default false. */
  requireIdempotencyKey?: boolean;
  /** How long an answer is remembered for its key, ms. Default 600000. */
  idempotencyTtlMs?: number;
  /** When a claim whose instance died expires, ms. Default 2 × timeoutMs + 10000. */
  idempotencyInFlightTtlMs?: number;
  /** How long a repeat waits for the first request's answer before 409, ms. Default timeoutMs + 5000. */
  idempotencyWaitMs?: number;
  /** Memory store: most keys held. Default 10000. */
  idempotencyMaxEntries?: number;
  /** Memory store: most bytes of answers held. Default 16 MiB. */
  idempotencyMaxBytes?: number;
  /** Largest answer remembered for a key, bytes. Default 64 KiB. */
  maxAnswerBytes?: number;
  /** Largest answer relayed from Updox, bytes. Default 8 MiB. */
  maxUpstreamBytes?: number;
  /** How long a DirectAddressValidate answer is cached per scope and recipient, ms. Default 600000. */
  validateCacheTtlMs?: number;
  // Delivery status (docs/delivery-status.md).
  /** The delivery-status route. Default `/api/updox/MdnStatusList`. */
  deliveryPath?: string;
  /** How long the proxy remembers which patient sent a message (and its MDNs), ms. Default 7 days. */
  deliveryRetentionMs?: number;
  /** Without any MDN after this long, a message is `unconfirmed` rather than `sent`, ms. Default 3600000 (one hour). */
  deliveryUnconfirmedAfterMs?: number;
  /** How long Updox's MdnStatusList answer is reused per message, ms. Default 30000. */
  deliveryCacheTtlMs?: number;
  /** Turns on Updox's inbound_mdn webhook at `webhookPath` + this token: at least 128 random bits in base64url or hex (shorter is refused). The token is the only guard: Updox documents no signature. */
  webhookToken?: string;
  /** Where the webhook is served, ending in `/`. Default `/api/updox/webhooks/inbound_mdn/`. */
  webhookPath?: string;
  /** Only these addresses or CIDR ranges may call the webhook (others get 404). Default: any. Through a fetch handler the address is `context.remoteAddress`. */
  webhookAllowedIps?: string[];
  /** The clock, ms since the epoch (tests). Default Date.now. */
  now?: () => number;
  /** Where log lines go (one per request, without PHI). Default console.log. */
  log?: (line: string) => void;
  /** No log lines at all. */
  quiet?: boolean;
}

/** The members of Node's IncomingMessage the adapter uses. */
export interface NodeRequestLike {
  method?: string;
  url?: string;
  headers: Record<string, string | string[] | undefined>;
}

/** The members of Node's ServerResponse the adapter uses. */
export interface NodeResponseLike {
  writeHead(statusCode: number, headers?: Record<string, string | number | string[]>): unknown;
  end(chunk?: unknown): unknown;
}

/** A Node http / Express / Fastify (`reply.raw`) handler; calls `next()` for paths that are not the proxy's. */
export type NodeHandler = (req: NodeRequestLike, res: NodeResponseLike, next?: (error?: unknown) => void) => void;

/** The proxy: a Web-standard fetch handler with its Node adapter and lifecycle. */
export interface UpdoxProxy {
  (request: Request, context?: AuthorizeContext): Promise<Response>;
  /** The Node adapter (same as toNodeHandler(proxy)). */
  readonly node: NodeHandler;
  /** Resolves when the stores are open; rejects with the reason (e.g. redis not installed). */
  readonly ready: Promise<void>;
  readonly paths: { readonly send: string; readonly validate: string; readonly delivery: string };
  /** The path to register as Updox's inbound_mdn webhook (holds the token: keep it secret); null without webhookToken. */
  readonly webhookPath: string | null;
  readonly targets: { readonly send: string; readonly validate: string };
  readonly demo: boolean;
  /** The idempotency store in use. */
  store(): Promise<IdempotencyStore>;
  /** Closes the stores and the Redis connection the proxy opened. */
  close(): Promise<void>;
}

/** A message's state for a patient (docs/delivery-status.md). */
export type DeliveryState = 'sent' | 'received' | 'delivered' | 'failed' | 'unconfirmed';

/** One MDN Updox reported for a message. */
export interface DeliveryEvent {
  status: 'received' | 'processed' | 'dispatched' | 'failed' | 'deleted' | 'denied';
  /** ISO 8601. */
  at: string;
}

/** The answer of the delivery-status route. */
export interface DeliveryStatusAnswer {
  messageId: number;
  state: DeliveryState;
  /** True for delivered and failed. */
  final: boolean;
  events: DeliveryEvent[];
  /** ISO 8601: when the proxy saw Updox accept the message. */
  sentAt: string;
  /** ISO 8601: when the state last changed. */
  updatedAt: string;
}

/** Creates the proxy; throws, with a sentence saying why, when it would be unsafe (no authentication and no demo: true, no credentials, …). */
export function createUpdoxProxy(options: UpdoxProxyOptions): UpdoxProxy;

/** A Node `(req, res, next?)` handler for a proxy (or any fetch handler). */
export function toNodeHandler(handler: UpdoxProxy | ((request: Request, context?: AuthorizeContext) => Promise<Response>)): NodeHandler;

/** The standalone runner's environment variables as options (only those set). */
export function optionsFromEnv(env?: Record<string, string | undefined>): Partial<UpdoxProxyOptions>;

export const DEFAULT_PATH: '/api/updox/PatientDirectMessageSend';
export const DEFAULT_VALIDATE_PATH: '/api/updox/DirectAddressValidate';

/** Every error code the proxy answers with: [HTTP status, sentence, may Updox have received the request]. */
export const ERRORS: Readonly<Record<ProxyErrorCode, readonly [number, string, boolean]>>;

export type ProxyErrorCode =
  | 'not_found'
  | 'method_not_allowed'
  | 'origin_not_allowed'
  | 'host_not_allowed'
  | 'unsupported_media_type'
  | 'payload_too_large'
  | 'invalid_json'
  | 'invalid_request'
  | 'invalid_idempotency_key'
  | 'idempotency_key_required'
  | 'idempotency_key_reused'
  | 'unauthorized'
  | 'sender_mismatch'
  | 'rate_limited'
  | 'proxy_busy'
  | 'idempotency_store_full'
  | 'idempotency_unavailable'
  | 'upstream_unreachable'
  | 'request_in_progress'
  | 'upstream_timeout'
  | 'upstream_connection_lost'
  | 'upstream_response_too_large'
  | 'answer_not_replayable'
  | 'internal_error';
