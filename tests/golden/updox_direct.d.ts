/* tslint:disable */
/* eslint-disable */
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
}

export interface EncodeAttachmentOptions {
    fileName?: string;
    mimeType?: string;
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
}

export interface ValidationIssue {
    /** Field path, e.g. `patientDemographics.dateOfBirth` or `attachments[2].fileName`. */
    field: string;
    /** 4640 address, 4652 sender, 4060 other validation, 4020 size. */
    code: number;
    /** Plain English, fit to show a patient. */
    message: string;
}

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
    /** Updox's code, or the local equivalent; null where none applies. */
    responseCode: number | null;
    responseMessage: string | null;
    /** Updox's reason (code 4650). */
    reason: string | null;
    /** HTTP status of the proxy's answer, when there was one. */
    status: number | null;
    issues: ValidationIssue[];
    /** True only where resending cannot deliver a second copy. */
    retryable: boolean;
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



/**
 * The limits used when a caller gives none.
 */
export function defaultLimits(): Limits;

/**
 * Base64-encodes a `File` or `Blob` into an Updox attachment object.
 */
export function encodeAttachment(file: File | Blob, options?: EncodeAttachmentOptions | null): Promise<Attachment>;

/**
 * True when `address` is a syntactically valid Direct address.
 */
export function isValidDirectAddress(address: string): boolean;

/**
 * `"patient:{patientId}"`, for a valid patient ID.
 */
export function patientSender(patient_id: string): `patient:${string}`;

/**
 * Validates, encodes and sends a message through the portal's proxy.
 */
export function sendPatientDirectMessage(message: PatientDirectMessage, options: SendOptions): Promise<SendResult>;

/**
 * The known Updox response codes with their category and retry rule.
 */
export function updoxResponseCodes(): UpdoxCodeInfo[];

/**
 * Checks a message without sending it: `[]` when it can be sent. Never throws.
 */
export function validatePatientDirectMessage(message: PatientDirectMessage, limits?: Partial<Limits> | null): ValidationIssue[];

export type InitInput = RequestInfo | URL | Response | BufferSource | WebAssembly.Module;

export interface InitOutput {
    readonly memory: WebAssembly.Memory;
    readonly defaultLimits: () => any;
    readonly encodeAttachment: (a: any, b: number) => any;
    readonly isValidDirectAddress: (a: any) => number;
    readonly patientSender: (a: any) => [number, number, number];
    readonly sendPatientDirectMessage: (a: any, b: any) => any;
    readonly updoxResponseCodes: () => any;
    readonly validatePatientDirectMessage: (a: any, b: number) => any;
    readonly wasm_bindgen__convert__closures_____invoke__h<hash>: (a: number, b: number, c: any) => [number, number];
    readonly wasm_bindgen__convert__closures_____invoke__h<hash>: (a: number, b: number, c: any, d: any) => void;
    readonly wasm_bindgen__convert__closures_____invoke__h<hash>: (a: number, b: number) => void;
    readonly __wbindgen_malloc: (a: number, b: number) => number;
    readonly __wbindgen_realloc: (a: number, b: number, c: number, d: number) => number;
    readonly __wbindgen_free: (a: number, b: number, c: number) => void;
    readonly __wbindgen_exn_store: (a: number) => void;
    readonly __externref_table_alloc: () => number;
    readonly __wbindgen_externrefs: WebAssembly.Table;
    readonly __wbindgen_destroy_closure: (a: number, b: number) => void;
    readonly __externref_table_dealloc: (a: number) => void;
    readonly __wbindgen_start: () => void;
}

export type SyncInitInput = BufferSource | WebAssembly.Module;

/**
 * Instantiates the given `module`, which can either be bytes or
 * a precompiled `WebAssembly.Module`.
 *
 * @param {{ module: SyncInitInput }} module - Passing `SyncInitInput` directly is deprecated.
 *
 * @returns {InitOutput}
 */
export function initSync(module: { module: SyncInitInput } | SyncInitInput): InitOutput;

/**
 * If `module_or_path` is {RequestInfo} or {URL}, makes a request and
 * for everything else, calls `WebAssembly.instantiate` directly.
 *
 * @param {{ module_or_path: InitInput | Promise<InitInput> }} module_or_path - Passing `InitInput` directly is deprecated.
 *
 * @returns {Promise<InitOutput>}
 */
export default function __wbg_init (module_or_path?: { module_or_path: InitInput | Promise<InitInput> } | InitInput | Promise<InitInput>): Promise<InitOutput>;
