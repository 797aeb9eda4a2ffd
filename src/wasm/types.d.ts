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
