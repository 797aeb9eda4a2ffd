// The demo page: a patient fills the form, the wasm module checks it on every keystroke and
// sends it through the portal's proxy, and the result panel shows Updox's answer. When the
// recipient field is left, the page asks whether the address can receive secure messages
// (a warning never blocks sending). After an outcome that is not known (a timeout, a lost
// answer), "Send again safely" resends the same message with the same Idempotency-Key. An
// English/Español switch changes the page's words (strings.js) and the module's messages
// (its `locale` option); `?lang=es` opens the page in Spanish, and `?timeoutMs=N` sets how
// long a send or a check may take (the module's 30 s otherwise): a short one shows what
// happens when an answer comes late.
//
// Privacy: this file never writes to the console and never stores anything (no
// localStorage, sessionStorage or cookies). What the patient types only lives in the form.

import { STRINGS } from './strings.js';

// The wasm module (pkg/ built by wasm-pack --target web), loaded at the end of this file.
let updox = null; // { sendPatientDirectMessage, validatePatientDirectMessage, UpdoxError, … }

// The page's language: the page's words and the module's messages.
let lang = new URLSearchParams(location.search).get('lang') === 'es' ? 'es' : 'en';
const t = (key) => STRINGS[lang][key];

// The portal's proxy: it adds the practice's Updox credentials on the server side.
const PROXY_URL = '/api/updox/PatientDirectMessageSend';
const VALIDATE_URL = '/api/updox/DirectAddressValidate';
const requestedTimeout = Number(new URLSearchParams(location.search).get('timeoutMs'));
const TIMEOUT_MS = requestedTimeout > 0 ? requestedTimeout : undefined;

const $ = (id) => document.getElementById(id);

const form = $('message-form');
const fields = $('fields');
const sendButton = $('send');
const cancelButton = $('cancel');
const progress = $('progress');
const progressText = $('progress-text');
const fileInput = $('file-input');
const dropzone = $('dropzone');
const attachmentList = $('attachment-list');

// Where each validation issue is shown: a `field` path from the module → one of these
// targets. `input` gets aria-invalid/aria-describedby; `error` shows the message.
const TARGETS = {
  to: { input: $('to'), error: $('to-error') },
  subject: { input: $('subject'), error: $('subject-error') },
  textMessage: { input: $('textMessage'), error: $('textMessage-error') },
  attachments: { input: fileInput, error: $('attachments-error') },
  sender: { input: null, error: $('sender-error') },
  patientId: { input: $('patientId'), error: $('patientId-error') },
  firstName: { input: $('firstName'), error: $('firstName-error') },
  middleName: { input: $('middleName'), error: $('middleName-error') },
  lastName: { input: $('lastName'), error: $('lastName-error') },
  dateOfBirth: { input: $('dateOfBirth'), error: $('dateOfBirth-error') },
  gender: { input: $('gender'), error: $('gender-error') },
  emailAddress: { input: $('emailAddress'), error: $('emailAddress-error') },
};

/** Maps a module field path (e.g. "patientDemographics.dateOfBirth") to a target key. */
function targetFor(field) {
  if (field === 'to' || field === 'subject' || field === 'textMessage') return field;
  if (field === 'from' || field === 'patientDemographics.patientId') return 'patientId';
  if (field === 'patientDemographics') return 'sender';
  const demographic = /^patientDemographics\.(\w+)$/.exec(field);
  if (demographic && demographic[1] in TARGETS) return demographic[1];
  if (field === 'attachments' || /^attachments\[\d+\]/.test(field)) return 'attachments';
  return null; // shown in the form-level list
}

let files = []; // the attached File objects, in order
let ready = false; // init() resolved
let controller = null; // AbortController of the send in progress, if any
let submitted = false; // after a send attempt, every problem is shown
let retry = null; // {message, idempotencyKey} of the send whose outcome is not known
const touched = new Set(); // target keys the patient has interacted with

// Each input's own aria-describedby (its hint), so the error id can be added and removed.
for (const target of Object.values(TARGETS)) {
  if (target.input) target.input.dataset.describedby = target.input.getAttribute('aria-describedby') || '';
}

function senderMode() {
  return form.elements.senderMode.value === 'demographics' ? 'demographics' : 'id';
}

/** The message in Updox's field names, exactly as the module expects it. */
function buildMessage() {
  const message = {
    to: $('to').value.trim(),
    subject: $('subject').value,
    textMessage: $('textMessage').value,
    attachments: files.slice(),
  };
  const patientId = $('patientId').value.trim();
  if (senderMode() === 'demographics') {
    message.patientDemographics = {
      patientId,
      firstName: $('firstName').value,
      middleName: $('middleName').value,
      lastName: $('lastName').value,
      dateOfBirth: $('dateOfBirth').value, // <input type="date"> gives YYYY-MM-DD
      gender: $('gender').value,
      emailAddress: $('emailAddress').value.trim(),
    };
  } else {
    message.from = `patient:${patientId}`;
  }
  return message;
}

function currentIssues() {
  if (!ready) return [];
  try {
    return updox.validatePatientDirectMessage(buildMessage(), undefined, { locale: lang });
  } catch {
    return [{ field: '', code: 4060, message: t('checkFailed') }];
  }
}

// ---- rendering validation ---------------------------------------------------------------

function showFieldError(target, messages) {
  const { input, error } = target;
  const show = messages.length > 0;
  error.textContent = show ? messages.join(' ') : '';
  error.hidden = !show;
  if (input) {
    if (show) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
    const ids = [input.dataset.describedby, show ? error.id : ''].filter(Boolean).join(' ');
    if (ids) input.setAttribute('aria-describedby', ids);
    else input.removeAttribute('aria-describedby');
  }
}

function renderIssues(issues) {
  const byTarget = new Map();
  const byAttachment = new Map();
  const formLevel = [];
  const add = (map, key, text) => {
    const list = map.get(key) || [];
    if (!list.includes(text)) list.push(text);
    map.set(key, list);
  };
  for (const issue of issues) {
    const key = targetFor(issue.field);
    const item = /^attachments\[(\d+)\]/.exec(issue.field);
    if (item && files[Number(item[1])]) add(byAttachment, Number(item[1]), issue.message);
    else if (key) add(byTarget, key, issue.message);
    else if (!formLevel.includes(issue.message)) formLevel.push(issue.message);
  }
  for (const [key, target] of Object.entries(TARGETS)) {
    const visible = submitted || touched.has(key);
    showFieldError(target, visible ? byTarget.get(key) || [] : []);
  }
  // Problems with one file are shown on that file's row (the patient added it, so it
  // counts as touched).
  attachmentList.querySelectorAll('li').forEach((li, index) => {
    const error = li.querySelector('.field-error');
    const messages = byAttachment.get(index) || [];
    error.textContent = messages.join(' ');
    error.hidden = messages.length === 0;
    li.classList.toggle('invalid', messages.length > 0);
  });
  const list = $('form-errors');
  list.replaceChildren(...formLevel.map((text) => {
    const li = document.createElement('li');
    li.textContent = text;
    return li;
  }));
  $('form-errors-box').hidden = formLevel.length === 0 || !(submitted || touched.size > 0);
}

/** Validates the form as it is now and updates messages and the Send button. */
function update() {
  const issues = currentIssues();
  renderIssues(issues);
  sendButton.disabled = !ready || controller !== null || issues.length > 0;
  // Explain a disabled Send; say nothing once it can be used.
  $('send-hint').hidden = !sendButton.disabled;
  if (sendButton.disabled) sendButton.setAttribute('aria-describedby', 'send-hint');
  else sendButton.removeAttribute('aria-describedby');
  return issues;
}

// ---- attachments ------------------------------------------------------------------------

function humanSize(bytes) {
  if (bytes < 1024) return `${bytes} ${bytes === 1 ? t('byte') : t('bytes')}`;
  const units = ['KB', 'MB', 'GB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0).replace('.', t('decimal'))} ${units[unit]}`;
}

function renderAttachments() {
  attachmentList.replaceChildren(...files.map((file, index) => {
    const li = document.createElement('li');
    const name = document.createElement('span');
    name.className = 'file-name';
    name.textContent = file.name;
    const size = document.createElement('span');
    size.className = 'file-size';
    size.textContent = humanSize(file.size);
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.className = 'remove';
    remove.dataset.index = String(index);
    remove.append(t('remove'));
    const hiddenName = document.createElement('span');
    hiddenName.className = 'visually-hidden';
    hiddenName.textContent = ` ${file.name}`;
    remove.append(hiddenName);
    const error = document.createElement('p');
    error.className = 'field-error';
    error.hidden = true;
    li.append(name, size, remove, error);
    return li;
  }));
  $('attachments-empty').hidden = files.length > 0;
}

function addFiles(fileList) {
  if (controller || fileList.length === 0) return;
  files = files.concat(Array.from(fileList));
  touched.add('attachments');
  renderAttachments();
  update();
}

fileInput.addEventListener('change', () => {
  addFiles(fileInput.files);
  fileInput.value = ''; // so the same file can be picked again after removing it
});

attachmentList.addEventListener('click', (event) => {
  const button = event.target.closest('button.remove');
  if (!button || controller) return;
  const index = Number(button.dataset.index);
  files.splice(index, 1);
  renderAttachments();
  update();
  // Keep keyboard focus nearby: on the next file's Remove button, else the file picker.
  const buttons = attachmentList.querySelectorAll('button.remove');
  (buttons[Math.min(index, buttons.length - 1)] || fileInput).focus();
});

const hasFiles = (event) => Array.from(event.dataTransfer?.types || []).includes('Files');

dropzone.addEventListener('dragover', (event) => {
  if (!hasFiles(event) || controller) return;
  event.preventDefault();
  event.dataTransfer.dropEffect = 'copy';
  dropzone.classList.add('dragging');
});
dropzone.addEventListener('dragleave', (event) => {
  if (!dropzone.contains(event.relatedTarget)) dropzone.classList.remove('dragging');
});
dropzone.addEventListener('drop', (event) => {
  event.preventDefault();
  dropzone.classList.remove('dragging');
  addFiles(event.dataTransfer.files);
});
// A file dropped next to the zone must not make the browser navigate away from the form.
window.addEventListener('dragover', (event) => { if (hasFiles(event)) event.preventDefault(); });
window.addEventListener('drop', (event) => { if (hasFiles(event)) event.preventDefault(); });

// ---- live validation --------------------------------------------------------------------

function showDemographics() {
  $('demographics').hidden = senderMode() !== 'demographics';
}

form.addEventListener('input', update);
form.addEventListener('change', (event) => {
  if (event.target.name === 'senderMode') {
    touched.add('sender');
    showDemographics();
  } else if (event.target.dataset.field && event.target !== fileInput) {
    touched.add(event.target.dataset.field);
  }
  update();
});
// A field counts as touched once the patient leaves it; from then on its messages show live.
form.addEventListener('focusout', (event) => {
  const key = event.target.dataset?.field;
  if (key && key !== 'attachments') {
    touched.add(key);
    update();
  }
});

// ---- sending ----------------------------------------------------------------------------

function setProgress(value, text) {
  if (value === null) progress.removeAttribute('value'); // indeterminate
  else progress.value = value;
  progressText.textContent = text;
}

function onProgress({ phase, loaded, total }) {
  const fraction = total > 0 ? Math.min(1, loaded / total) : 0;
  if (phase === 'encoding') setProgress(Math.round(fraction * 50), t('preparing'));
  else if (phase === 'sending') setProgress(50 + Math.round(fraction * 50), t('sending'));
  else if (phase === 'done') setProgress(100, t('done'));
}

function setSending(sending) {
  fields.inert = sending;
  form.setAttribute('aria-busy', String(sending));
  cancelButton.disabled = !sending;
  sendButton.disabled = true;
}

function showResult(kind) {
  $('result-empty').hidden = true;
  $('result-success').hidden = kind !== 'success';
  $('result-error').hidden = kind !== 'error';
  $('result').dataset.state = kind;
}

function showSuccess(result) {
  $('result-message-id').textContent = String(result.messageId ?? '');
  $('result-recipient').textContent = result.recipient ?? '';
  $('result-direct-address').textContent = result.directAddress ?? result.name ?? '';
  $('result-patient-address').textContent = result.patientDirectAddress ?? '';
  showResult('success');
}

function showDetail(id, value) {
  const present = value !== null && value !== undefined && value !== '';
  $(id).textContent = present ? String(value) : '';
  $(id).hidden = !present;
  $(`${id}-term`).hidden = !present;
}

let lastError = null; // the error the result panel shows, so a language switch can redo it

function showError(error) {
  lastError = error;
  const known = error instanceof updox.UpdoxError || error?.name === 'UpdoxError';
  const kind = known ? error.kind : 'unknown';
  // The module says whether the message went: not sent, failed at Updox, or not known.
  const unknown = !known || error.delivery === 'unknown';
  $('result-error-headline').textContent = kind === 'aborted'
    ? t('headlineCancelled')
    : unknown
      ? t('headlineUnknown')
      : t('headlineNotSent');
  // The module's sentence, in the language of the send.
  let text = known && error.message ? error.message : t('unexpected');
  // A request that already reached the server cannot be called back.
  if (kind === 'aborted' && unknown) text = t('abortedText');
  $('send-again-box').hidden = !retry;
  $('result-error-message').textContent = text;
  $('result-error-code').textContent =
    known && error.responseCode !== null && error.responseCode !== undefined
      ? String(error.responseCode)
      : t('none');
  $('result-error-kind').textContent = t('kinds')[kind] || t('unexpectedKind')(kind);
  $('result-error').dataset.kind = kind;
  showDetail('result-error-reason', known ? error.reason : null);
  showDetail('result-error-status', known ? error.status : null);
  showResult('error');
}

function clearSentContent() {
  // The message went out: clear what was sent, keep the recipient and the patient.
  $('subject').value = '';
  $('textMessage').value = '';
  files = [];
  renderAttachments();
  for (const key of ['subject', 'textMessage', 'attachments']) touched.delete(key);
  submitted = false;
}

/**
 * Sends `message`; with `idempotencyKey` (a resend of a message whose outcome was not known)
 * the proxy delivers it at most once in all and answers with the first answer if it had.
 */
async function send(message, idempotencyKey) {
  controller = new AbortController();
  setSending(true);
  setProgress(0, t('starting'));
  cancelButton.focus();
  let outcome = 'error';
  try {
    const result = await updox.sendPatientDirectMessage(message, {
      proxyUrl: PROXY_URL,
      signal: controller.signal,
      onProgress,
      locale: lang,
      timeoutMs: TIMEOUT_MS,
      idempotencyKey,
    });
    outcome = 'success';
    lastError = null;
    retry = null;
    setProgress(100, t('done'));
    showSuccess(result);
    clearSentContent();
  } catch (error) {
    // Resending is safe only with the same key, and useful only when the outcome is not known.
    retry = error?.delivery === 'unknown' && error.retryable && error.idempotencyKey
      ? { message, idempotencyKey: error.idempotencyKey }
      : null;
    setProgress(0, error?.kind === 'aborted' ? t('cancelled') : t('notSent'));
    showError(error);
  } finally {
    controller = null;
    setSending(false);
    update();
    $('result-title').focus();
    $('result').dataset.outcome = outcome;
  }
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  if (!ready || controller) return;
  const message = buildMessage();
  submitted = true;
  if (update().length > 0) {
    form.querySelector('[aria-invalid="true"]')?.focus();
    return;
  }
  retry = null;
  send(message);
});

// The same message as before (the same files too), with the same key.
$('send-again').addEventListener('click', () => {
  if (ready && !controller && retry) send(retry.message, retry.idempotencyKey);
});

cancelButton.addEventListener('click', () => controller?.abort());

// ---- can the recipient receive secure messages? ----------------------------------------

// Asked when the field is left (a moment later, unless the patient comes straight back),
// never while typing; the proxy remembers answers, so leaving the field again costs nothing.
// "Checking…" shows at once, so the page does not shift again until the answer.
const toInput = $('to');
const toStatus = $('to-status');
let checkTimer = null; // the check about to start, if any
let checking = null; // AbortController of the check in progress
let checkedAddress = ''; // the address the status is about
let recipientState = ''; // '', 'checking', 'trusted', 'untrusted', 'unchecked'

function showRecipient(state) {
  recipientState = state;
  toStatus.dataset.state = state;
  toStatus.textContent = state ? t(state) : '';
}

/** Forgets the status and any check under way (the address changed). */
function forgetRecipient() {
  clearTimeout(checkTimer);
  checkTimer = null;
  checking?.abort();
  checking = null;
  checkedAddress = '';
  showRecipient('');
}

async function checkRecipient(address) {
  checkTimer = null;
  checkedAddress = address;
  const mine = (checking = new AbortController());
  try {
    const { trusted } = await updox.checkDirectRecipient(address, {
      proxyUrl: VALIDATE_URL,
      timeoutMs: TIMEOUT_MS,
      signal: mine.signal,
      locale: lang,
    });
    if (checking === mine) showRecipient(trusted ? 'trusted' : 'untrusted');
  } catch {
    if (checking === mine) showRecipient('unchecked');
  } finally {
    if (checking === mine) checking = null;
  }
}

toInput.addEventListener('focusout', () => {
  const address = toInput.value.trim();
  if (!ready || address === checkedAddress || checkTimer) return;
  forgetRecipient();
  // An address that is not valid gets the field's own message instead.
  if (!updox.isValidDirectAddress(address)) return;
  showRecipient('checking');
  checkTimer = setTimeout(() => checkRecipient(address), 250);
});
toInput.addEventListener('focusin', () => {
  // Back in the field before the check started: no check yet.
  if (checkTimer) forgetRecipient();
});
// Typing makes the status stale: it goes, and comes back when the field is left.
toInput.addEventListener('input', () => {
  if (toInput.value.trim() !== checkedAddress) forgetRecipient();
});

// ---- language ---------------------------------------------------------------------------

/** Puts every word of the page in `lang`; the module's messages follow on the next check. */
function applyLanguage() {
  document.documentElement.lang = lang;
  document.title = t('title');
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of document.querySelectorAll('[data-i18n-label]')) el.setAttribute('aria-label', t(el.dataset.i18nLabel));
  for (const button of document.querySelectorAll('button[data-lang]')) {
    button.setAttribute('aria-pressed', String(button.dataset.lang === lang));
  }
  const status = document.body.dataset.ready;
  $('status').textContent = t(status === 'true' ? 'ready' : status === 'error' ? 'loadFailed' : 'loading');
  if (progress.value === 0 && !controller) progressText.textContent = t('notStarted');
  renderAttachments();
  showRecipient(recipientState);
  if (lastError) showError(lastError);
}

/** Switches the language: the module's sentences for it are loaded first. */
async function setLanguage(next) {
  if (next === lang) return;
  lang = next;
  if (ready) await updox.loadLocale(lang);
  applyLanguage();
  update();
  document.body.dataset.lang = lang;
}

for (const button of document.querySelectorAll('button[data-lang]')) {
  button.addEventListener('click', () => setLanguage(button.dataset.lang));
}

// ---- start ------------------------------------------------------------------------------

showDemographics();
applyLanguage();

try {
  const pkg = await import('/pkg/updox_direct.js');
  await pkg.default(); // init(): fetches and instantiates updox_direct_bg.wasm
  updox = pkg;
  await updox.loadLocale(lang);
  ready = true;
  document.body.dataset.ready = 'true';
  $('status').textContent = t('ready');
  update();
} catch {
  document.body.dataset.ready = 'error';
  $('status').textContent = t('loadFailed');
}
document.body.dataset.lang = lang;
