// Every sentence the module shows a patient, by rule id. The wasm reports rule ids and a few
// numbers; the sentence is chosen here: the caller's `messages[rule]` if it is a string, else
// the built-in text of `locale` (loaded), else English. Placeholders in a sentence:
// {max} (a count), {maxSize} and {actualSize} (bytes, as "2.5 MB"), {seconds}. Sentences
// never repeat what was typed. English ships here; other locales are separate modules
// loaded on demand (loadLocale), so that English-only pages do not download them.

export const EN = {
  // Validation rules.
  'message.not_an_object': 'The message must be an object.',
  'to.not_text': "The recipient's Direct address must be text.",
  'to.required': "Enter the recipient's Direct address.",
  'to.invalid': "The recipient's Direct address is not valid. It looks like name@direct.example.org, without spaces.",
  'subject.not_text': 'The subject must be text.',
  'subject.too_long': 'The subject is too long: at most {max} characters.',
  'textMessage.not_text': 'The message must be text.',
  'textMessage.too_long': 'The message is too long: at most {maxSize} of text.',
  'textMessage.required': 'Write a message or a subject, or attach a file.',
  'from.required': "Say who is sending: the patient's ID or the patient's details.",
  'from.not_text': 'The sender must be written as patient: followed by the patient ID.',
  'from.invalid': 'The sender must be written as patient: followed by the patient ID.',
  'from.id_required': 'Enter the patient ID.',
  'from.id_too_long': 'The patient ID is too long.',
  'from.id_invalid_characters': 'The patient ID cannot contain spaces or control characters.',
  'patientDemographics.not_an_object': "The patient's details must be an object.",
  'patientDemographics.patientId.not_text': 'The patient ID must be text.',
  'patientDemographics.patientId.required': 'Enter the patient ID.',
  'patientDemographics.patientId.too_long': 'The patient ID is too long.',
  'patientDemographics.patientId.invalid_characters': 'The patient ID cannot contain spaces or control characters.',
  'patientDemographics.firstName.not_text': 'The first name must be text.',
  'patientDemographics.firstName.required': 'Enter the first name.',
  'patientDemographics.firstName.too_long': 'The first name is too long.',
  'patientDemographics.firstName.invalid_characters': 'The first name cannot contain control characters.',
  'patientDemographics.middleName.not_text': 'The middle name must be text.',
  'patientDemographics.middleName.too_long': 'The middle name is too long.',
  'patientDemographics.middleName.invalid_characters': 'The middle name cannot contain control characters.',
  'patientDemographics.lastName.not_text': 'The last name must be text.',
  'patientDemographics.lastName.required': 'Enter the last name.',
  'patientDemographics.lastName.too_long': 'The last name is too long.',
  'patientDemographics.lastName.invalid_characters': 'The last name cannot contain control characters.',
  'patientDemographics.dateOfBirth.not_a_date': 'Enter the date of birth as YYYY-MM-DD, for example 1990-10-10.',
  'patientDemographics.dateOfBirth.too_early': 'The date of birth cannot be before 1900.',
  'patientDemographics.dateOfBirth.in_future': 'The date of birth cannot be in the future.',
  'patientDemographics.gender.invalid': 'Choose a gender: M (male), F (female), O (other) or U (unknown).',
  'patientDemographics.emailAddress.not_text': 'The email address must be text.',
  'patientDemographics.emailAddress.invalid': 'The email address is not valid. It looks like name@example.org, without spaces.',
  'attachments.not_a_list': 'The attachments must be a list.',
  'attachments.too_many': 'Too many attachments: at most {max} files.',
  'attachments.total_too_large': 'The attachments are too large together ({actualSize}); the limit is {maxSize} in total.',
  'attachments.invalid': 'Each attachment must be a file or an object with content, mimeType and fileName.',
  'attachments.too_large': 'This file is too large to send ({actualSize}); the limit is {maxSize} per file.',
  'attachments.empty': 'This file is empty or no longer there. Please attach it again, or remove it.',
  'attachment.unreadable': 'The file could not be read. It may have been moved or changed; please attach it again.',
  'attachments.fileName.required': 'The attachment needs a file name.',
  'attachments.fileName.not_text': 'The file name must be text.',
  'attachments.fileName.has_slash': 'The file name cannot contain / or \\.',
  'attachments.fileName.invalid': 'The file name is not valid.',
  'attachments.fileName.invalid_characters': 'The file name cannot contain control or text-direction characters.',
  'attachments.fileName.too_long': 'The file name is too long.',
  'attachments.mimeType.not_text': 'The file type must be text.',
  'attachments.mimeType.invalid': 'The file type must look like type/subtype, for example application/pdf.',
  'attachments.content.required': 'The attachment has no content.',
  'attachments.content.not_text': "The attachment's content must be base64 text, a File or a Blob.",
  'attachments.content.not_base64': "The attachment's content is not valid base64.",
  'file.required': 'Choose a file to attach.',
  'limits.not_an_object': 'The limits must be an object.',
  'limits.maxSubjectChars.invalid': 'The limit maxSubjectChars must be a whole number of zero or more.',
  'limits.maxTextMessageBytes.invalid': 'The limit maxTextMessageBytes must be a whole number of zero or more.',
  'limits.maxAttachments.invalid': 'The limit maxAttachments must be a whole number of zero or more.',
  'limits.maxAttachmentBytes.invalid': 'The limit maxAttachmentBytes must be a whole number of zero or more.',
  'limits.maxTotalAttachmentBytes.invalid': 'The limit maxTotalAttachmentBytes must be a whole number of zero or more.',
  'options.not_an_object': 'The options must be an object.',
  'options.proxyUrl.required': 'The proxy URL is required.',
  'options.proxyUrl.too_long': 'The proxy URL is too long.',
  'options.proxyUrl.invalid': 'The proxy URL is not a valid URL.',
  'options.proxyUrl.not_http': 'The proxy URL must be an http: or https: URL.',
  'options.proxyUrl.insecure': 'The proxy URL must be on this site, use https:, or be on this computer.',
  'options.timeoutMs.invalid': 'The timeout must be a number of milliseconds above zero.',
  'options.credentials.invalid': 'The credentials mode must be omit, same-origin or include.',
  'options.headers.not_an_object': 'The headers must be an object of names and text values.',
  'options.headers.too_many': 'At most {max} extra headers can be sent.',
  'options.headers.invalid_name': 'A header name may only contain letters, digits and - _ . characters.',
  'options.headers.forbidden': 'This header cannot be set by the caller.',
  'options.headers.too_long': 'This header value is too long.',
  'options.headers.line_break': 'A header value cannot contain line breaks.',
  'options.headers.not_latin1': 'A header value can only contain Latin-1 characters.',
  'options.headers.not_text': 'A header value must be text.',
  'options.auth.not_allowed': 'Updox credentials are refused unless allowBrowserCredentials is true.',
  'options.auth.not_an_object': 'The auth block must be an object.',
  'options.auth.applicationId.required': 'The auth block needs applicationId as text.',
  'options.auth.applicationPassword.required': 'The auth block needs applicationPassword as text.',
  'options.auth.accountId.required': 'The auth block needs accountId as text.',
  'options.auth.userId.required': 'The auth block needs userId as text.',
  'options.signal.invalid': 'The signal must be an AbortSignal.',
  'options.onProgress.invalid': 'onProgress must be a function.',
  'options.idempotencyKey.invalid': 'The idempotency key must be 1 to 255 visible ASCII characters.',
  'patientId.not_text': 'The patient ID must be text.',
  'patientId.required': 'Enter the patient ID.',
  'patientId.too_long': 'The patient ID is too long.',
  'patientId.invalid_characters': 'The patient ID cannot contain spaces or control characters.',
  // Outcomes: why a call rejected.
  validation: 'The message was not sent: it has problems to fix first.',
  timeout: 'No answer came in time ({seconds} s). The message may or may not have been sent.',
  'network.offline': 'You appear to be offline. The message was not sent.',
  'network.failed': 'The message could not be sent because of a network problem. It may or may not have been delivered.',
  aborted: 'Sending was cancelled. The message was not sent.',
  'aborted.after_sending': 'Sending was cancelled. The message may or may not have been sent.',
  'protocol.unreadable': 'The answer from the messaging service could not be understood. The message may or may not have been sent.',
  'protocol.inconsistent': 'The answer from the messaging service was unclear. The message may or may not have been sent.',
  'browser.no_secure_random': 'This browser cannot create a secure random key, so the message was not sent.',
  'browser.cannot_prepare': 'The message could not be prepared for sending. It was not sent.',
  'http.401': 'The portal refused the message. Please sign in again; it may or may not have been sent.',
  'http.403': 'The portal refused the message. Please sign in again; it may or may not have been sent.',
  'http.413': 'The portal says the message is too large. It may or may not have been sent.',
  'http.429': 'Too many messages were sent just now. The message may or may not have been sent; please wait a moment.',
  'http.502': 'The portal could not reach the messaging service. The message may or may not have been sent.',
  'http.503': "The portal's messaging service is unavailable right now. The message may or may not have been sent.",
  'http.504': 'The portal could not reach the messaging service. The message may or may not have been sent.',
  'http.4xx': 'The portal refused the message. It may or may not have been sent.',
  'http.5xx': 'The portal had a problem. The message may or may not have been sent.',
  'http.other': 'The portal answered in an unexpected way. The message may or may not have been sent.',
  'proxy.method_not_allowed': 'The portal could not send the message. It was not sent.',
  'proxy.not_found': 'The portal could not send the message. It was not sent.',
  'proxy.origin_not_allowed': 'The portal does not accept messages from this page. It was not sent.',
  'proxy.host_not_allowed': 'The portal does not accept messages from this page. It was not sent.',
  'proxy.unsupported_media_type': 'The portal could not read the message. It was not sent.',
  'proxy.payload_too_large': 'The message is too large for the portal to accept. It was not sent.',
  'proxy.invalid_json': 'The portal could not read the message. It was not sent.',
  'proxy.invalid_request': 'The portal could not read the message. It was not sent.',
  'proxy.invalid_idempotency_key': 'The portal could not send the message. It was not sent.',
  'proxy.idempotency_key_required': 'The portal could not send the message. It was not sent.',
  'proxy.idempotency_key_reused': 'The portal refused the message because it differs from the one first sent. It was not sent.',
  'proxy.sender_mismatch': 'The message can only be sent as the patient who is signed in. It was not sent.',
  'proxy.unauthorized': 'Your session has ended. Please sign in again; the message was not sent.',
  'proxy.rate_limited': 'Too many messages were sent just now. Please wait a moment and try again; the message was not sent.',
  'proxy.proxy_busy': 'The portal is busy right now. Please try again in a moment; the message was not sent.',
  'proxy.idempotency_store_full': 'The portal cannot send messages right now. Please try again later; the message was not sent.',
  'proxy.idempotency_unavailable': 'The portal cannot send messages right now. Please try again later; the message was not sent.',
  'proxy.upstream_unreachable': 'The portal could not reach the messaging service. The message was not sent.',
  'proxy.request_in_progress': 'This message is still being sent and may or may not be delivered. Please wait a moment before trying again.',
  'proxy.upstream_timeout': 'The messaging service did not answer in time. The message may or may not have been sent.',
  'proxy.upstream_connection_lost': 'The connection to the messaging service was lost. The message may or may not have been sent.',
  'proxy.upstream_response_too_large': 'The answer from the messaging service could not be used. The message may or may not have been sent.',
  'proxy.answer_not_replayable': 'The answer from the messaging service could not be used. The message may or may not have been sent.',
  'proxy.internal_error': 'The portal had an unexpected problem. The message may or may not have been sent.',
  'proxy.outcome_unknown': 'The portal cannot tell whether this message was delivered: it may or may not have been sent. Please do not send it again; ask your care team whether they received it.',
  'updox.auth': 'The portal could not sign in to the messaging service, so the message was not sent.',
  'updox.validation': 'The messaging service did not accept the message. Please check what you entered.',
  'updox.recipient': 'The recipient cannot receive this message. It was not sent.',
  'updox.server': 'The messaging service had an unexpected error, so the message was not sent.',
  'updox.other': 'The messaging service could not send the message.',
  'updox.4020': 'The message is too large, so it was not sent. Try fewer or smaller attachments.',
  'updox.4640': "The recipient's Direct address is not valid. The message was not sent.",
  'updox.4641': "Your care team's messaging account has no Direct address, so the message could not be sent.",
  'updox.4642': 'Identity verification is required before you can send to this address. The message was not sent.',
  'updox.4650': 'The message could not be delivered.',
  'updox.4651': "The message could not be sent; the recipient's Direct address may be invalid.",
  'updox.4652': "The message needs the patient's ID or the patient's details. It was not sent.",
  // A resend refused before the portal forwarded it: the first attempt may have arrived.
  'resend.sign_in': 'Your session has ended. Please sign in again and send the same message again: an earlier attempt may or may not have been delivered.',
  'resend.unconfirmed': 'The portal could not take the message right now. An earlier attempt may or may not have been delivered; please try again in a moment with the same message.',
  'resend.changed': 'The portal refused the message because it differs from the one first sent. The first one may or may not have been delivered.',
  // The message of a failed checkDirectRecipient, whatever its rule.
  'recipient.unchecked': 'This address could not be checked right now. You can still write and send your message.',
};

const has = (object, key) => Object.prototype.hasOwnProperty.call(object, key);

/** Locales with built-in text, and how to load those that are not here already. */
const LOADERS = {
  es: () => import('./locales/es.js'),
};
const loaded = { en: EN };
const loading = {};

/** The value of `object[key]`, or undefined where reading it throws or makes no sense. */
function read(object, key) {
  try {
    return object !== null && typeof object === 'object' ? object[key] : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Loads the built-in text of `locale` ("en", "es"), so that synchronous calls can use it.
 * Resolves true when it is ready, false for an unknown locale or a failed load; never
 * rejects.
 */
export function loadLocale(locale) {
  if (typeof locale !== 'string') return Promise.resolve(false);
  if (has(loaded, locale)) return Promise.resolve(true);
  if (!has(LOADERS, locale)) return Promise.resolve(false);
  loading[locale] ??= LOADERS[locale]().then(
    (module) => {
      loaded[locale] = module.default;
      return true;
    },
    () => {
      delete loading[locale];
      return false;
    },
  );
  return loading[locale];
}

/** What a call's options ask for: loads `options.locale`; never rejects. */
export function localeReady(options) {
  return loadLocale(read(options, 'locale'));
}

const MIB = 1024 * 1024;

/** "2.5 MB"-style size, with the locale's decimal separator. */
function size(bytes, locale) {
  if (bytes >= MIB) {
    const tenths = Math.round((bytes * 10) / MIB);
    return `${Math.floor(tenths / 10)}${locale === 'es' ? ',' : '.'}${tenths % 10} MB`;
  }
  return bytes >= 1024 ? `${Math.ceil(bytes / 1024)} KB` : `${bytes} bytes`;
}

/** The sentence for `rule` under the call's `options` ({locale, messages}). */
export function sentence(rule, numbers, options) {
  const given = read(read(options, 'messages'), rule);
  let locale = read(options, 'locale');
  if (typeof locale !== 'string' || !has(loaded, locale)) locale = 'en';
  let text = typeof given === 'string' ? given : has(loaded[locale], rule) ? loaded[locale][rule] : EN[rule];
  if (typeof text !== 'string') text = EN.validation;
  const { limit, size: found, seconds } = numbers;
  const values = {
    max: limit,
    maxSize: limit === undefined ? undefined : size(limit, locale),
    actualSize: found === undefined ? undefined : size(found, locale),
    seconds,
  };
  return text.replace(/\{(\w+)\}/g, (all, name) => (values[name] === undefined ? all : String(values[name])));
}
