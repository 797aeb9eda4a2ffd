/** A locale with built-in sentences: English (always there) or Spanish (loaded on demand). */
export type Locale = "en" | "es";

/** The rule a validation issue broke: its field path without indexes, a dot, and the rule. */
export type ValidationRule =
  | "message.not_an_object"
  | "to.not_text"
  | "to.required"
  | "to.invalid"
  | "subject.not_text"
  | "subject.too_long"
  | "textMessage.not_text"
  | "textMessage.too_long"
  | "textMessage.required"
  | "from.required"
  | "from.not_text"
  | "from.invalid"
  | "from.id_required"
  | "from.id_too_long"
  | "from.id_invalid_characters"
  | "patientDemographics.not_an_object"
  | "patientDemographics.patientId.not_text"
  | "patientDemographics.patientId.required"
  | "patientDemographics.patientId.too_long"
  | "patientDemographics.patientId.invalid_characters"
  | "patientDemographics.firstName.not_text"
  | "patientDemographics.firstName.required"
  | "patientDemographics.firstName.too_long"
  | "patientDemographics.firstName.invalid_characters"
  | "patientDemographics.middleName.not_text"
  | "patientDemographics.middleName.too_long"
  | "patientDemographics.middleName.invalid_characters"
  | "patientDemographics.lastName.not_text"
  | "patientDemographics.lastName.required"
  | "patientDemographics.lastName.too_long"
  | "patientDemographics.lastName.invalid_characters"
  | "patientDemographics.dateOfBirth.not_a_date"
  | "patientDemographics.dateOfBirth.too_early"
  | "patientDemographics.dateOfBirth.in_future"
  | "patientDemographics.gender.invalid"
  | "patientDemographics.emailAddress.not_text"
  | "patientDemographics.emailAddress.invalid"
  | "attachments.not_a_list"
  | "attachments.too_many"
  | "attachments.total_too_large"
  | "attachments.invalid"
  | "attachments.too_large"
  | "attachments.empty"
  | "attachment.unreadable"
  | "attachments.fileName.required"
  | "attachments.fileName.not_text"
  | "attachments.fileName.has_slash"
  | "attachments.fileName.invalid"
  | "attachments.fileName.invalid_characters"
  | "attachments.fileName.too_long"
  | "attachments.mimeType.not_text"
  | "attachments.mimeType.invalid"
  | "attachments.content.required"
  | "attachments.content.not_text"
  | "attachments.content.not_base64"
  | "file.required"
  | "limits.not_an_object"
  | "limits.maxSubjectChars.invalid"
  | "limits.maxTextMessageBytes.invalid"
  | "limits.maxAttachments.invalid"
  | "limits.maxAttachmentBytes.invalid"
  | "limits.maxTotalAttachmentBytes.invalid"
  | "options.not_an_object"
  | "options.proxyUrl.required"
  | "options.proxyUrl.too_long"
  | "options.proxyUrl.invalid"
  | "options.proxyUrl.not_http"
  | "options.proxyUrl.insecure"
  | "options.timeoutMs.invalid"
  | "options.credentials.invalid"
  | "options.headers.not_an_object"
  | "options.headers.too_many"
  | "options.headers.invalid_name"
  | "options.headers.forbidden"
  | "options.headers.too_long"
  | "options.headers.line_break"
  | "options.headers.not_latin1"
  | "options.headers.not_text"
  | "options.auth.not_allowed"
  | "options.auth.not_an_object"
  | "options.auth.applicationId.required"
  | "options.auth.applicationPassword.required"
  | "options.auth.accountId.required"
  | "options.auth.userId.required"
  | "options.signal.invalid"
  | "options.onProgress.invalid"
  | "options.idempotencyKey.invalid"
  | "patientId.not_text"
  | "patientId.required"
  | "patientId.too_long"
  | "patientId.invalid_characters"
  | "messageId.invalid"
  | "attachments.cannot_convert"
  | "options.keepPhotoMetadata.invalid";

/** Why a call failed, when it was not one validation issue (whose rule is then used). */
export type OutcomeRule =
  | "validation"
  | "timeout"
  | "network.offline"
  | "network.failed"
  | "aborted"
  | "aborted.after_sending"
  | "protocol.unreadable"
  | "protocol.inconsistent"
  | "browser.no_secure_random"
  | "browser.cannot_prepare"
  | "http.401"
  | "http.403"
  | "http.413"
  | "http.429"
  | "http.502"
  | "http.503"
  | "http.504"
  | "http.4xx"
  | "http.5xx"
  | "http.other"
  | "proxy.method_not_allowed"
  | "proxy.not_found"
  | "proxy.origin_not_allowed"
  | "proxy.host_not_allowed"
  | "proxy.unsupported_media_type"
  | "proxy.payload_too_large"
  | "proxy.invalid_json"
  | "proxy.invalid_request"
  | "proxy.invalid_idempotency_key"
  | "proxy.idempotency_key_required"
  | "proxy.idempotency_key_reused"
  | "proxy.sender_mismatch"
  | "proxy.unauthorized"
  | "proxy.rate_limited"
  | "proxy.proxy_busy"
  | "proxy.idempotency_store_full"
  | "proxy.idempotency_unavailable"
  | "proxy.upstream_unreachable"
  | "proxy.request_in_progress"
  | "proxy.upstream_timeout"
  | "proxy.upstream_connection_lost"
  | "proxy.upstream_response_too_large"
  | "proxy.answer_not_replayable"
  | "proxy.internal_error"
  | "proxy.outcome_unknown"
  | "updox.auth"
  | "updox.validation"
  | "updox.recipient"
  | "updox.server"
  | "updox.other"
  | "updox.4020"
  | "updox.4640"
  | "updox.4641"
  | "updox.4642"
  | "updox.4650"
  | "updox.4651"
  | "updox.4652"
  | "resend.sign_in"
  | "resend.unconfirmed"
  | "resend.changed"
  | "recipient.unchecked";

/** Every rule id: the keys `messages` can give sentences for. */
export type RuleId = ValidationRule | OutcomeRule;

/**
 * Which language the module's sentences (issue and error messages) are in. `locale` is
 * "en" (default) or "es"; an unknown locale, or one not loaded yet (see `loadLocale`), gives
 * English. `messages` maps rule ids to the portal's own sentences (any language) and wins
 * over the built-in text; they may use the placeholders {max}, {maxSize}, {actualSize} and
 * {seconds}.
 */
export interface LocaleOptions {
  locale?: Locale;
  messages?: Partial<Record<RuleId, string>>;
}

/**
 * Loads the built-in sentences of `locale`, so that the synchronous calls
 * (`validatePatientDirectMessage`, `patientSender`) can use them. Resolves true when the
 * locale is ready, false for an unknown locale or a failed load; never rejects.
 * `sendPatientDirectMessage` and `encodeAttachment` load their locale themselves.
 */
export declare function loadLocale(locale: Locale): Promise<boolean>;

/** Gender codes Updox accepts (input is case-insensitive and normalised to upper case). */
export type Gender = "M" | "F" | "O" | "U" | "m" | "f" | "o" | "u";

/** The patient, when no `from` is given. Field names are Updox's. */
export interface PatientDemographics {
  patientId: string;
  firstName: string;
  middleName?: string;
  lastName: string;
  /** `YYYY-MM-DD`, a real date from 1900 up to today. */
  dateOfBirth?: string;
  gender?: Gender;
  /** Empty, or a valid e-mail address. */
  emailAddress?: string;
}

/** An attachment in Updox's own shape; `content` is standard base64 (whitespace is removed). */
export interface Attachment {
  content: string;
  mimeType: string;
  fileName: string;
  /**
   * What was removed from a JPEG or PNG (`[]` when nothing was, it was kept, or the file is
   * no photo); `null` for a malformed JPEG/PNG, encoded as it is.
   */
  metadataRemoved: PhotoMetadata[] | null;
}

/** A pre-encoded attachment as a caller may give it (`mimeType` defaults from the extension). */
export interface EncodedAttachmentInput {
  content: string;
  fileName: string;
  mimeType?: string;
}

/** A File or Blob the module encodes; a Blob needs `fileName`. */
export interface BlobAttachmentInput {
  content: Blob;
  fileName?: string;
  mimeType?: string;
}

export type AttachmentInput = File | Blob | EncodedAttachmentInput | BlobAttachmentInput;

/**
 * A patient's Direct message, with Updox's field names. Give `from` (`patient:{id}`,
 * see `patientSender`) or `patientDemographics`; when both are given, `from` is sent and
 * the demographics are neither checked nor sent.
 */
export interface PatientDirectMessage {
  /** The clinician's Direct address. */
  to: string;
  subject?: string;
  textMessage?: string;
  attachments?: AttachmentInput[];
  from?: `patient:${string}`;
  patientDemographics?: PatientDemographics;
}

/** Size limits checked before sending; exceeding one is code 4020. */
export interface Limits {
  /** Characters in `subject` (default 255). */
  maxSubjectChars: number;
  /** UTF-8 bytes in `textMessage` (default 1 000 000). */
  maxTextMessageBytes: number;
  /** Number of attachments (default 20). */
  maxAttachments: number;
  /** Decoded bytes of one attachment (default 10 MiB). */
  maxAttachmentBytes: number;
  /** Decoded bytes of all attachments (default 20 MiB). */
  maxTotalAttachmentBytes: number;
}

/** Updox's auth block. Only for callers that set `allowBrowserCredentials: true`. */
export interface UpdoxAuth {
  applicationId: string;
  applicationPassword: string;
  accountId: string;
  userId: string;
}

export interface SendProgress {
  phase: "encoding" | "sending" | "done";
  /** Bytes done: attachment bytes while encoding, body bytes while sending. */
  loaded: number;
  total: number;
}

export interface SendOptions {
  /** URL of the portal's proxy for PatientDirectMessageSend (absolute or relative). */
  proxyUrl: string;
  /**
   * The `Idempotency-Key` to send: 1–255 visible ASCII characters. Give the key of an
   * earlier attempt (`err.idempotencyKey`) to resend the same message safely; without it the
   * module makes a new one (128 random bits).
   */
  idempotencyKey?: string;
  /** Whole exchange, answer included, from when the request is sent (default 30000). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Extra request headers, e.g. a CSRF token. */
  headers?: Record<string, string>;
  credentials?: "omit" | "same-origin" | "include";
  onProgress?: (progress: SendProgress) => void;
  limits?: Partial<Limits>;
  /** Refused unless `allowBrowserCredentials` is true: the proxy adds credentials. */
  auth?: UpdoxAuth;
  allowBrowserCredentials?: boolean;
  /** Allow a proxy URL that is neither same-origin, https: nor loopback. */
  allowInsecureProxyUrl?: boolean;
  /**
   * Send JPEG and PNG attachments with their metadata (location, device, time) as they are.
   * By default it is removed; the image data is sent byte for byte either way.
   */
  keepPhotoMetadata?: boolean;
  /** The language of a failure's message (see `LocaleOptions`); loaded before sending. */
  locale?: Locale;
  /** Sentences of the portal's own, by rule id (see `LocaleOptions`). */
  messages?: Partial<Record<RuleId, string>>;
}

export interface EncodeAttachmentOptions {
  fileName?: string;
  mimeType?: string;
  /** Each read of the file must settle within this many milliseconds (default 30000). */
  timeoutMs?: number;
  /** Encode a JPEG or PNG with its metadata (location, device, time) as it is. */
  keepPhotoMetadata?: boolean;
  /** The language of a failure's message (see `LocaleOptions`). */
  locale?: Locale;
  /** Sentences of the portal's own, by rule id (see `LocaleOptions`). */
  messages?: Partial<Record<RuleId, string>>;
}

/** What a successful send resolves with. */
export interface SendResult {
  responseCode: 2000;
  responseMessage: string;
  messageId: number | string | null;
  /** Updox's recipient handle, `contact:{id}`. */
  recipient: string | null;
  name: string | null;
  directAddress: string | null;
  patientDirectAddress: string | null;
  reason: string | null;
  /** Which sender field was sent. */
  sender: "from" | "patientDemographics";
  /** The `Idempotency-Key` the message was sent with. */
  idempotencyKey: string;
  /** The attachments as sent, in the message's order. */
  attachments: SentAttachment[];
}

/** Options of `checkDirectRecipient`: those of a send that apply to a lookup. */
export interface CheckDirectRecipientOptions {
  /** URL of the portal's proxy for DirectAddressValidate (absolute or relative). */
  proxyUrl: string;
  /** Whole exchange, answer included (default 30000). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Extra request headers, e.g. a CSRF token. */
  headers?: Record<string, string>;
  credentials?: "omit" | "same-origin" | "include";
  /** Allow a proxy URL that is neither same-origin, https: nor loopback. */
  allowInsecureProxyUrl?: boolean;
  /** The language of a failure's message (see `LocaleOptions`); loaded before the lookup. */
  locale?: Locale;
  /** Sentences of the portal's own, by rule id (see `LocaleOptions`). */
  messages?: Partial<Record<RuleId, string>>;
}

/** What `checkDirectRecipient` resolves with. */
export interface DirectRecipientCheck {
  /** The address as looked up (trimmed, its domain lower-cased). */
  address: string;
  /**
   * True when Updox found a current, trusted certificate for the address or its domain
   * (it does not prove that the mailbox exists); false is an answer, not an error.
   */
  trusted: boolean;
}

export interface ValidationIssue {
  /** Field path, e.g. `patientDemographics.dateOfBirth` or `attachments[2].fileName`. */
  field: string;
  /** 4640 address, 4652 sender, 4060 other validation, 4020 size. */
  code: number;
  /** The rule broken: a stable id, the same in every locale. */
  rule: ValidationRule;
  /** A sentence in the call's locale, fit to show a patient. */
  message: string;
}

/**
 * Whether the message reached Updox: "not-sent" (refused before anything left, or the proxy
 * says nothing was forwarded), "failed" (Updox answered with a failure code), "unknown"
 * (the request started and its fate is not known: it may have been delivered).
 */
export type UpdoxDelivery = "not-sent" | "unknown" | "failed";

export type UpdoxErrorKind =
  | "validation"
  | "updox"
  | "http"
  | "protocol"
  | "network"
  | "timeout"
  | "aborted";

/** The one error every failed call rejects (or throws) with. */
export declare class UpdoxError extends Error {
  name: "UpdoxError";
  kind: UpdoxErrorKind;
  /** The rule that decided the outcome (the one issue's rule for a single validation issue). */
  rule: RuleId | null;
  /** Updox's code, or the local equivalent; null where none applies. */
  responseCode: number | null;
  responseMessage: string | null;
  /** Updox's reason (code 4650). */
  reason: string | null;
  /** HTTP status of the proxy's answer, when there was one. */
  status: number | null;
  issues: ValidationIssue[];
  /**
   * True when resending the same message with the same `idempotencyKey` is safe and may
   * succeed; false when the answer is final.
   */
  retryable: boolean;
  /** Whether the message reached Updox, as far as the module can tell. */
  delivery: UpdoxDelivery;
  /**
   * The request's `Idempotency-Key` (give it back as `idempotencyKey` to resend safely);
   * null when the call never got as far as building the request.
   */
  idempotencyKey: string | null;
}

export type UpdoxCodeCategory =
  | "ok" | "auth" | "validation" | "recipient" | "direct" | "server" | "practice" | "user"
  | "contact" | "message" | "patient" | "portal" | "fax" | "notification" | "other";

export interface UpdoxCodeInfo {
  code: number;
  category: UpdoxCodeCategory;
  meaning: string;
  retryable: boolean;
}

/** Checks a message without sending it, synchronously: `[]` when it can be sent. Never throws. */
export declare function validatePatientDirectMessage(
  message: PatientDirectMessage,
  limits?: Partial<Limits> | null,
  options?: LocaleOptions | null,
): ValidationIssue[];

/** True when `address` is a syntactically valid Direct address. */
export declare function isValidDirectAddress(address: string): boolean;

/** `"patient:{patientId}"`, for a valid patient ID; throws a validation `UpdoxError`. */
export declare function patientSender(patientId: string, options?: LocaleOptions | null): `patient:${string}`;

/** The known Updox response codes with their category and retry rule. */
export declare function updoxResponseCodes(): UpdoxCodeInfo[];

/** The limits used when a caller gives none. */
export declare function defaultLimits(): Limits;

/** Base64-encodes a `File` or `Blob` into an Updox attachment object. */
export declare function encodeAttachment(file: File | Blob, options?: EncodeAttachmentOptions | null): Promise<Attachment>;

/** Validates, encodes and sends a message through the portal's proxy. */
export declare function sendPatientDirectMessage(message: PatientDirectMessage, options: SendOptions): Promise<SendResult>;

/**
 * Asks the portal's proxy (DirectAddressValidate) whether a Direct address can receive
 * secure messages. The address is checked locally first, by the rules of `to` (a bad one
 * rejects with a validation `UpdoxError` and no request); failures reject like a send's.
 */
export declare function checkDirectRecipient(
  address: string,
  options: CheckDirectRecipientOptions,
): Promise<DirectRecipientCheck>;

// ---- Delivery status (getDeliveryStatus) ----

/**
 * What a patient is told about a sent message: `"sent"` (no MDN yet, within the proxy's
 * wait), `"received"` (it reached the clinic's system), `"delivered"` (dispatched to the
 * recipient; final), `"failed"` (final) or `"unconfirmed"` (no MDN within the wait: never
 * delivered; a later MDN still changes it).
 */
export type DeliveryState = "sent" | "received" | "delivered" | "failed" | "unconfirmed";

/** An MDN status as Updox reports it. */
export type MdnStatus = "received" | "processed" | "dispatched" | "failed" | "deleted" | "denied";

/**
 * The rule id of each state's sentence (`delivery.<state>`), and `delivery.unchecked`: the
 * message of every failed `getDeliveryStatus` (its error's `rule` stays the outcome's).
 */
export type DeliveryRule =
  | "delivery.sent"
  | "delivery.received"
  | "delivery.delivered"
  | "delivery.failed"
  | "delivery.unconfirmed"
  | "delivery.unchecked";

/** One MDN of a message: its status and when the proxy learnt it (ISO 8601). */
export interface DeliveryEvent {
  status: MdnStatus;
  at: string;
}

/** What `getDeliveryStatus` resolves with. */
export interface DeliveryStatus {
  /** The message asked about (the `messageId` of its `SendResult`). */
  messageId: number;
  state: DeliveryState;
  /** True for `"delivered"` and `"failed"`, which do not change any more. */
  final: boolean;
  /** The MDNs so far, oldest first. */
  events: DeliveryEvent[];
  /** When the proxy saw Updox accept the message (ISO 8601). */
  sentAt: string;
  /** When the state last changed (ISO 8601). */
  updatedAt: string;
  /** The sentence for the patient in the call's locale (never says "read"). */
  message: string;
}

/** Options of `getDeliveryStatus`: the request options of a lookup. */
export interface GetDeliveryStatusOptions {
  /** URL of the portal's proxy for MdnStatusList (absolute or relative). */
  proxyUrl: string;
  /** Whole exchange, answer included (default 30000). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Extra request headers, e.g. the portal's bearer token or a CSRF token. */
  headers?: Record<string, string>;
  credentials?: "omit" | "same-origin" | "include";
  /** Allow a proxy URL that is neither same-origin, https: nor loopback. */
  allowInsecureProxyUrl?: boolean;
  /** The language of `message` and of a failure's message; loaded before the question. */
  locale?: Locale;
  /** Sentences of the portal's own, by rule id (the states' included). */
  messages?: Partial<Record<RuleId | DeliveryRule, string>>;
}

/**
 * Asks the portal's proxy (MdnStatusList) what became of a message it saw Updox accept.
 * A `messageId` that is not a whole number from 1 rejects with a validation `UpdoxError` on
 * `messageId` and no request; another patient's message rejects with `proxy.not_found`.
 */
export declare function getDeliveryStatus(
  messageId: number,
  options: GetDeliveryStatusOptions,
): Promise<DeliveryStatus>;
// ---- Photos ----

/** A metadata block of a photo, by the name `metadataRemoved` and `metadata` use. */
export type PhotoMetadata =
  | "gps"
  | "exif"
  | "xmp"
  | "iptc"
  | "comment"
  | "text"
  | "time"
  | "mpf"
  | "trailer"
  | "other";

/** One attachment as it was sent. */
export interface SentAttachment {
  fileName: string;
  mimeType: string;
  /** Bytes sent (after metadata removal; what the limits applied to). */
  size: number;
  /** As `Attachment.metadataRemoved`; `[]` for a pre-encoded attachment. */
  metadataRemoved: PhotoMetadata[] | null;
}

/** What `inspectAttachment` resolves with. */
export interface AttachmentInspection {
  /** The MIME type sniffed from the bytes (`"application/octet-stream"` when unknown). */
  type: string;
  /** A photo type (JPEG, PNG, HEIC, WebP, …). */
  isPhoto: boolean;
  /** Pixel size as displayed (orientation applied), where known. */
  width: number | null;
  height: number | null;
  /** GPS coordinates are present (EXIF or XMP). */
  hasLocation: boolean;
  /** The metadata blocks present. */
  metadata: PhotoMetadata[];
  /** False for types clinics rarely open (HEIC/HEIF, …): offer `preparePhoto`. */
  viewableByClinics: boolean;
}

/** Options of `preparePhoto`. */
export interface PreparePhotoOptions {
  /** Longest side of the copy in pixels (default 2048; never scaled up). */
  maxLongEdge?: number;
  /** Most bytes the copy may have; quality, then size, are lowered in steps to fit. */
  maxBytes?: number;
  /** JPEG quality to start from, in (0, 1] (default 0.85). */
  quality?: number;
  /** The language of a failure's message (see `LocaleOptions`). */
  locale?: Locale;
  /** Sentences of the portal's own, by rule id (see `LocaleOptions`). */
  messages?: Partial<Record<RuleId, string>>;
}

/** Describes a File or Blob from its bytes (never its name or `type`). */
export declare function inspectAttachment(
  file: File | Blob,
  options?: LocaleOptions | null,
): Promise<AttachmentInspection>;

/**
 * An upright JPEG copy of a photo, without metadata, within `maxLongEdge` and `maxBytes`,
 * named like the original with `.jpg`. Rejects with a validation `UpdoxError`: rule
 * `attachments.cannot_convert` where the browser cannot decode the file (HEIC outside
 * Safari), `attachments.too_large` when even the smallest copy is over `maxBytes`,
 * `attachments.invalid` for options out of range.
 */
export declare function preparePhoto(file: File | Blob, options?: PreparePhotoOptions | null): Promise<File>;

// ---- end of photos ----
