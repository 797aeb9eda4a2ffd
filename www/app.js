// The demo page: a patient fills the form, the wasm module checks it on every keystroke and
// sends it through the portal's proxy, and the outcome panel at the top says what happened in
// one sentence and offers the one safe thing to do next.
//
// From the moment a send starts until its outcome is final, the message is *pending*: the
// form is read-only and shows exactly what is being sent. When the module says the outcome
// is not known (`delivery: "unknown"`: a timeout, a lost answer, a cancel after the request
// left), the message stays pending and the page offers "Send again safely" (the same bytes
// with the same Idempotency-Key, so the proxy delivers it at most once) or "Discard and
// write a new message" (after a confirmation that the care team may then get both). The
// form's Send is not reachable while a message is pending.
//
// An English/Español switch re-renders the page's words (strings.js) and the current state
// in place; `?lang=es` opens the page in Spanish, and `?timeoutMs=N` sets how long a send or
// a check may take (the module's 30 s otherwise). docs/demo.md explains the flow.
//
// Privacy: this file never writes to the console and never stores anything (no
// localStorage, sessionStorage or cookies). What the patient types only lives in the form.

import { PHOTO_STRINGS, STRINGS } from './strings.js';

// The wasm module (pkg/ built by wasm-pack --target web), loaded at the end of this file.
let updox = null; // { sendPatientDirectMessage, validatePatientDirectMessage, UpdoxError, … }

// The page's language: the page's words and the module's messages.
let lang = new URLSearchParams(location.search).get('lang') === 'es' ? 'es' : 'en';
const t = (key) => STRINGS[lang][key];

// The portal's proxy: it adds the practice's Updox credentials on the server side.
const PROXY_URL = '/api/updox/PatientDirectMessageSend';
const VALIDATE_URL = '/api/updox/DirectAddressValidate';
const DELIVERY_URL = '/api/updox/MdnStatusList';
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
const outcome = $('outcome');
const summary = $('error-summary');

// Where each validation issue is shown: a `field` path from the module → one of these
// targets. `input` gets aria-invalid/aria-describedby and is where the error summary's link
// leads; `error` shows the message.
const TARGETS = {
  to: { input: $('to'), error: $('to-error') },
  subject: { input: $('subject'), error: $('subject-error') },
  textMessage: { input: $('textMessage'), error: $('textMessage-error') },
  attachments: { input: fileInput, error: $('attachments-error') },
  sender: { input: $('sender-id'), error: $('sender-error') },
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
  return null; // shown in the error summary only
}

let files = []; // the attached File objects, in order
let ready = false; // init() resolved
let controller = null; // AbortController of the send in progress, if any
let submitted = false; // after Send was pressed, every problem is shown
const touched = new Set(); // target keys the patient has interacted with

// The message whose outcome is not final: {message, idempotencyKey, retryable}. While it is
// set the form cannot change and only "Send again safely" can send.
let pending = null;
// What the outcome panel shows, so that a language switch can redo it in place:
// {state, error?, result?, errorLang?, progress?: {phase, fraction, startedAt}}.
let view = { state: 'idle' };
let confirmingDiscard = false;

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
  if (input && input.type !== 'radio') {
    if (show) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
    const ids = [input.dataset.describedby, show ? error.id : ''].filter(Boolean).join(' ');
    if (ids) input.setAttribute('aria-describedby', ids);
    else input.removeAttribute('aria-describedby');
  }
}

/**
 * Shows each issue next to its field (once the field was touched, or after Send was
 * pressed) and, after Send was pressed, in the error summary at the top.
 */
function renderIssues(issues) {
  const byTarget = new Map();
  const byAttachment = new Map();
  const summaryItems = []; // {text, key}
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
    if (!summaryItems.some((s) => s.text === issue.message)) summaryItems.push({ text: issue.message, key });
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
  $('error-summary-list').replaceChildren(...summaryItems.map(({ text, key }) => {
    const li = document.createElement('li');
    const input = key && TARGETS[key].input;
    if (input) {
      const link = document.createElement('a');
      link.href = `#${input.id}`;
      link.dataset.target = input.id;
      link.textContent = text;
      li.append(link);
    } else {
      li.textContent = text;
    }
    return li;
  }));
  summary.hidden = !submitted || summaryItems.length === 0;
}

// A link of the summary moves the focus to its field and shows the field with its label.
summary.addEventListener('click', (event) => {
  const link = event.target.closest('a[data-target]');
  if (!link) return;
  event.preventDefault();
  const input = $(link.dataset.target);
  const place = input.closest('.field, fieldset, .dropzone') || input;
  place.scrollIntoView({ block: 'start' });
  input.focus({ preventScroll: true });
});

/** Validates the form as it is now and updates the messages. */
function update() {
  const issues = currentIssues();
  renderIssues(issues);
  // Send is never disabled for a problem in the form (pressing it explains the problems);
  // only a module that did not load cannot send at all.
  sendButton.disabled = !ready;
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
    // A place for a note about this file (e.g. a hint about a photo); hidden while empty.
    const note = document.createElement('p');
    note.className = 'attachment-note';
    note.dataset.slot = 'attachment-note';
    note.hidden = true;
    li.append(name, size, remove, error, note);
    return li;
  }));
  $('attachments-empty').hidden = files.length > 0;
  renderPhotoNotes();
}

function addFiles(fileList) {
  if (isPending() || fileList.length === 0) return;
  const added = Array.from(fileList);
  files = files.concat(added);
  touched.add('attachments');
  renderAttachments();
  update();
  inspectPhotos(added);
}

fileInput.addEventListener('change', () => {
  addFiles(fileInput.files);
  fileInput.value = ''; // so the same file can be picked again after removing it
});

attachmentList.addEventListener('click', (event) => {
  const button = event.target.closest('button.remove');
  if (!button || isPending()) return;
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
  if (!hasFiles(event) || isPending()) return;
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
  if (isPending()) return;
  addFiles(event.dataTransfer.files);
});
// A file dropped next to the zone must not make the browser navigate away from the form.
window.addEventListener('dragover', (event) => { if (hasFiles(event)) event.preventDefault(); });
window.addEventListener('drop', (event) => { if (hasFiles(event)) event.preventDefault(); });

// ---- photos -----------------------------------------------------------------------------
// A photo's note says when its location will be removed (the module removes it when it
// sends), and offers a copy the patient can choose: a JPEG of a HEIC (which clinics rarely
// open), a smaller copy of a photo that breaks a limit. Copies are made by the module's
// preparePhoto ahead of time, so the offer shows the copy's size; nothing is swapped in
// without the patient's click.

const tp = (key) => PHOTO_STRINGS[lang][key];
// The size a smaller copy aims at: well under the limits, still enough to read a label.
const COPY_BYTES = 2 * 1024 * 1024;
// What the page learnt of each attached photo, by File: { inspection, copy, error, busy, isCopy }.
const photos = new WeakMap();
let offering = false;

/** Whether `file` breaks a limit: over the per-file limit, or a large photo among files over the total. */
function breaksLimit(file) {
  if (!ready) return false;
  const limits = updox.defaultLimits();
  const total = files.reduce((sum, f) => sum + f.size, 0);
  return file.size > limits.maxAttachmentBytes || (total > limits.maxTotalAttachmentBytes && file.size > COPY_BYTES);
}

/** Whether a copy of `file` is worth offering. */
function wantsCopy(file, info) {
  return !info.isCopy && (!info.inspection.viewableByClinics || breaksLimit(file));
}

/** Learns what each of `list` is from its bytes; photos get a note. */
async function inspectPhotos(list, { isCopy = false } = {}) {
  if (!ready) return;
  for (const file of list) {
    try {
      const inspection = await updox.inspectAttachment(file);
      if (inspection.isPhoto) photos.set(file, { inspection, copy: null, error: null, busy: false, isCopy });
    } catch {
      // A file that cannot be read is refused by the checks, with their own message.
    }
  }
  renderPhotoNotes();
}

/** Makes the copies to offer, one at a time; a failure's sentence is kept in its language. */
async function makeCopies() {
  if (offering) return;
  offering = true;
  try {
    for (const file of files) {
      const info = photos.get(file);
      if (!info || info.copy || !wantsCopy(file, info) || info.error?.lang === lang) continue;
      info.busy = true;
      renderPhotoNotes();
      try {
        info.copy = await updox.preparePhoto(file, { maxBytes: COPY_BYTES, locale: lang });
        info.error = null;
      } catch (e) {
        info.error = { message: e instanceof updox.UpdoxError ? e.message : '', lang };
      }
      info.busy = false;
    }
  } finally {
    offering = false;
  }
  renderPhotoNotes();
}

/** Fills each attached photo's note (the list's note slots are in the files' order). */
function renderPhotoNotes() {
  const notes = attachmentList.querySelectorAll('[data-slot="attachment-note"]');
  let wanted = false;
  files.forEach((file, index) => {
    const note = notes[index];
    const info = photos.get(file);
    if (!note) return;
    const parts = [];
    if (info?.inspection.hasLocation) parts.push(tp('locationRemoved'));
    if (info?.isCopy) parts.push(tp('copyAttached'));
    if (info && wantsCopy(file, info)) {
      if (info.copy) {
        const button = document.createElement('button');
        button.type = 'button';
        button.className = 'photo-copy';
        button.dataset.index = String(index);
        const size = humanSize(info.copy.size);
        button.textContent = info.inspection.viewableByClinics ? tp('smallerCopy')(size) : tp('convert')(size);
        parts.push(button);
      } else if (info.error?.lang === lang) {
        parts.push(info.error.message);
      } else {
        wanted = true;
        if (info.busy) parts.push(tp('preparing'));
      }
    }
    note.replaceChildren(...parts.flatMap((p, i) => (i > 0 && typeof p === 'string' ? ['. ', p] : [p])));
    note.hidden = parts.length === 0;
  });
  if (wanted && ready) makeCopies();
}

attachmentList.addEventListener('click', (event) => {
  const button = event.target.closest('button.photo-copy');
  if (!button || isPending()) return;
  const index = Number(button.dataset.index);
  const copy = photos.get(files[index])?.copy;
  if (!copy) return;
  files[index] = copy;
  photos.set(copy, { inspection: { hasLocation: false, viewableByClinics: true }, copy: null, error: null, busy: false, isCopy: true });
  renderAttachments();
  update();
  attachmentList.querySelectorAll('button.remove')[index]?.focus();
});

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

// ---- the outcome panel ------------------------------------------------------------------

// The states of a send, as the module's `delivery` and `kind` decide them.
const FINAL_STATES = new Set(['sent', 'not-sent', 'failed', 'cancelled']);
const OPEN_STATES = new Set(['unknown', 'cancelled-late']); // the message stays pending

/** The state of a failed send: the module's `delivery` is the truth. */
function stateOf(error) {
  const known = error instanceof updox.UpdoxError || error?.name === 'UpdoxError';
  const delivery = known ? error.delivery : 'unknown';
  if (known && error.kind === 'aborted') return delivery === 'not-sent' ? 'cancelled' : 'cancelled-late';
  if (delivery === 'not-sent') return 'not-sent';
  if (delivery === 'failed') return 'failed';
  return 'unknown';
}

const isPending = () => controller !== null || pending !== null;

function showDetail(id, value, { lang: valueLang } = {}) {
  const present = value !== null && value !== undefined && value !== '';
  $(id).textContent = present ? String(value) : '';
  if (valueLang) $(id).lang = valueLang;
  $(id).hidden = !present;
  $(`${id}-term`).hidden = !present;
}

/** The progress bar and its label while sending. */
function renderProgress() {
  const { phase, fraction, startedAt } = view.progress;
  if (phase === 'uploading') {
    // fetch reports nothing while the body uploads: say how long it has taken instead.
    progress.removeAttribute('value');
    const seconds = Math.floor((Date.now() - startedAt) / 1000);
    progressText.textContent = t('progressUploading')(seconds);
  } else {
    const percent = Math.round(fraction * 100);
    progress.value = percent;
    progressText.textContent = t('progressPreparing')(percent);
  }
}

/** Puts `view` on the page, in the page's language. */
function render() {
  const { state } = view;
  outcome.hidden = state === 'idle';
  outcome.dataset.state = state;
  const open = OPEN_STATES.has(state) && pending !== null;
  // While a message is pending nothing in the form can change, and the form's Send is gone.
  fields.inert = state === 'sending' || open;
  $('pending-note').hidden = !fields.inert;
  form.setAttribute('aria-busy', String(state === 'sending'));
  $('send-actions').hidden = state === 'sending' || open;
  form.hidden = state === 'sent';
  renderDelivery();
  if (state === 'idle') return;

  const words = t('states')[state];
  $('outcome-title').textContent = words.headline;
  $('outcome-body').textContent = open && !pending.retryable ? words.bodyNoRetry : words.body;
  // The bar shows only while sending; once the outcome is known its label says what the
  // headline says (one sentence per state), so nothing on the page can disagree.
  $('progress-row').hidden = state !== 'sending';
  if (state === 'sending') renderProgress();
  else {
    progress.value = state === 'sent' ? 100 : 0;
    progressText.textContent = words.headline;
  }

  $('outcome-reference').hidden = state !== 'sent';
  $('outcome-message-id').textContent = state === 'sent' ? String(view.result?.messageId ?? '') : '';

  cancelButton.hidden = state !== 'sending';
  $('send-again').hidden = !open || !pending.retryable || confirmingDiscard;
  $('discard').hidden = !open || confirmingDiscard;
  $('discard-confirm').hidden = !open || !confirmingDiscard;
  $('write-another').hidden = state !== 'sent';

  const error = view.error;
  $('outcome-details').hidden = !error;
  if (error) {
    const known = error instanceof updox.UpdoxError || error?.name === 'UpdoxError';
    const kind = known ? error.kind : null;
    $('detail-kind').textContent = t('kinds')[kind] || t('unexpectedKind');
    $('outcome-details').dataset.kind = kind ?? 'unexpected';
    showDetail('detail-rule', known ? error.rule : null);
    showDetail('detail-code', known ? error.responseCode : null);
    showDetail('detail-status', known ? error.status : null);
    // Updox's own reason is English whatever the page's language: only here, marked as such.
    showDetail('detail-reason', known ? error.reason : null);
    // The module's sentence is in the language of the send; another language hides it.
    showDetail('detail-message', known && view.errorLang === lang ? error.message : null, { lang: view.errorLang });
  }
}

/** Moves the focus to the outcome's headline, with the panel's top in view. */
function focusOutcome() {
  outcome.scrollIntoView({ block: 'start' });
  $('outcome-title').focus({ preventScroll: true });
}

let elapsedTimer = null;

/** From now on the body is on its way: the bar is indeterminate and counts the seconds. */
function startElapsed() {
  view.progress = { phase: 'uploading', fraction: 0, startedAt: Date.now() };
  elapsedTimer = setInterval(() => {
    if (view.state === 'sending') renderProgress();
  }, 1000);
}

function onProgress({ phase, loaded, total }) {
  if (view.state !== 'sending') return;
  if (phase === 'encoding') {
    if (view.progress.phase === 'preparing') {
      view.progress = { ...view.progress, fraction: total > 0 ? Math.min(1, loaded / total) : 1 };
    }
  } else if (view.progress.phase !== 'uploading') {
    startElapsed();
  }
  renderProgress();
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
 * Sends the pending message; with its `idempotencyKey` (a resend of a message whose outcome
 * was not known) the proxy delivers it at most once in all and answers with the first
 * answer if it had one.
 */
async function send() {
  const { message, idempotencyKey } = pending;
  stopDelivery();
  controller = new AbortController();
  confirmingDiscard = false;
  delete outcome.dataset.outcome;
  view = { state: 'sending', progress: { phase: 'preparing', fraction: 0, startedAt: Date.now() } };
  // Without attachments there is nothing to prepare: the body goes at once.
  if (!message.attachments?.length) startElapsed();
  render();
  focusOutcome();
  const sendLang = lang;
  try {
    const result = await updox.sendPatientDirectMessage(message, {
      proxyUrl: PROXY_URL,
      signal: controller.signal,
      onProgress,
      locale: sendLang,
      timeoutMs: TIMEOUT_MS,
      idempotencyKey: idempotencyKey ?? undefined,
    });
    pending = null;
    view = { state: 'sent', result };
    clearSentContent();
    startDelivery(result.messageId);
  } catch (error) {
    const state = stateOf(error);
    // Resending is safe only with the same key: the message stays pending with it.
    pending = OPEN_STATES.has(state)
      ? { message, idempotencyKey: error?.idempotencyKey ?? idempotencyKey ?? null, retryable: Boolean(error?.retryable && (error.idempotencyKey ?? idempotencyKey)) }
      : null;
    view = { state, error, errorLang: sendLang };
  } finally {
    controller = null;
    clearInterval(elapsedTimer);
    elapsedTimer = null;
    render();
    update();
    focusOutcome();
    outcome.dataset.outcome = view.state === 'sent' ? 'success' : 'error';
  }
}

// Send, or Enter in a field: the same way. With problems, the summary at the top says what.
form.addEventListener('submit', (event) => {
  event.preventDefault();
  if (!ready || isPending()) return;
  submitted = true;
  const issues = update();
  if (issues.length > 0) {
    summary.scrollIntoView({ block: 'start' });
    summary.focus({ preventScroll: true });
    return;
  }
  pending = { message: buildMessage(), idempotencyKey: null, retryable: false };
  send();
});

// The same message as before (the same bytes, the same files), with the same key.
$('send-again').addEventListener('click', () => {
  if (ready && !controller && pending?.retryable) send();
});

$('discard').addEventListener('click', () => {
  if (!pending || controller) return;
  confirmingDiscard = true;
  render();
  $('discard-no').focus();
});
$('discard-no').addEventListener('click', () => {
  confirmingDiscard = false;
  render();
  ($('send-again').hidden ? $('discard') : $('send-again')).focus();
});
// The patient confirmed: the pending message is let go; the next Send is a new message with a
// new key. What was typed stays, to be changed.
$('discard-yes').addEventListener('click', () => {
  if (!pending || controller) return;
  pending = null;
  confirmingDiscard = false;
  view = { state: 'idle' };
  render();
  update();
  $('subject').focus();
});

$('write-another').addEventListener('click', () => {
  stopDelivery();
  view = { state: 'idle' };
  render();
  update();
  (files.length || $('to').value ? $('subject') : $('to')).focus();
});

cancelButton.addEventListener('click', () => controller?.abort());

document.addEventListener('keydown', (event) => {
  if (event.key !== 'Escape') return;
  if (controller) {
    event.preventDefault();
    controller.abort();
  } else if (confirmingDiscard) {
    event.preventDefault();
    $('discard-no').click();
  }
});

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

// ---- delivery status of the sent message -----------------------------------------------

// After a send, the status line under the outcome says what became of the message (Direct
// MDNs, through the proxy's MdnStatusList route): asked 2 s after the send, then twice as
// long each time up to 60 s, until a final state (delivered, failed) or `unconfirmed`. It only
// ever asks; it never sends the message again. It stops when the patient writes another
// message. The label is the page's; the sentence is the module's, in the language it was
// asked in (a language switch asks again at once, so the line is redone in place).
const DELIVERY_FIRST_MS = 2000;
const DELIVERY_MAX_MS = 60_000;
const deliveryLine = $('outcome-status-line');
// {messageId, status?, sentence?, sentenceLang?, waitMs, timer, asking, done} or null.
let delivery = null;

/** The messageId as the module asks for it (a number; Updox may answer with digits). */
function asMessageId(id) {
  return typeof id === 'string' && /^\d+$/.test(id) ? Number(id) : id;
}

function startDelivery(messageId) {
  stopDelivery();
  if (messageId === null || messageId === undefined) return;
  delivery = { messageId: asMessageId(messageId), waitMs: DELIVERY_FIRST_MS, timer: null, asking: null, done: false };
  delivery.timer = setTimeout(askDelivery, delivery.waitMs);
}

/** Forgets the status and stops asking (a new message, or another send). */
function stopDelivery() {
  if (delivery) {
    clearTimeout(delivery.timer);
    delivery.asking?.abort();
  }
  delivery = null;
  renderDelivery();
}

/** Asks once; then, unless the state is settled, again after a wait twice as long. */
async function askDelivery() {
  const mine = delivery;
  if (!mine || !ready) return;
  mine.timer = null;
  mine.asking?.abort();
  const asking = (mine.asking = new AbortController());
  const askLang = lang;
  let settled = false;
  try {
    const status = await updox.getDeliveryStatus(mine.messageId, {
      proxyUrl: DELIVERY_URL,
      timeoutMs: TIMEOUT_MS,
      signal: asking.signal,
      locale: askLang,
    });
    if (delivery !== mine || mine.asking !== asking) return;
    mine.status = status;
    mine.sentence = status.message;
    settled = status.final || status.state === 'unconfirmed';
  } catch (error) {
    if (delivery !== mine || mine.asking !== asking) return;
    // The last state known stays; the sentence says this question could not be answered.
    mine.sentence = error?.message ?? '';
    // Asking again cannot help an error that is not retryable (e.g. not this patient's).
    settled = !error?.retryable;
  }
  mine.asking = null;
  mine.sentenceLang = askLang;
  mine.done = settled;
  renderDelivery();
  if (!settled) {
    mine.waitMs = Math.min(mine.waitMs * 2, DELIVERY_MAX_MS);
    mine.timer = setTimeout(askDelivery, mine.waitMs);
  }
}

/** A language switch: the label follows at once; the module's sentence is asked for again. */
function deliveryLanguageChanged() {
  if (!delivery || delivery.sentenceLang === undefined || delivery.sentenceLang === lang) return;
  clearTimeout(delivery.timer);
  delivery.timer = null;
  // The backoff goes on from where it was: this question is not one more step.
  delivery.waitMs = Math.max(DELIVERY_FIRST_MS, delivery.waitMs / 2);
  askDelivery();
}

/** Puts the status line on the page, in the page's language. */
function renderDelivery() {
  const shown = view.state === 'sent' && delivery !== null;
  deliveryLine.hidden = !shown;
  if (!shown) {
    delete deliveryLine.dataset.delivery;
    for (const id of ['delivery-label', 'delivery-state', 'delivery-sentence']) $(id).textContent = '';
    return;
  }
  const state = delivery.status?.state ?? 'checking';
  deliveryLine.dataset.delivery = state;
  $('delivery-label').textContent = t('deliveryLabel');
  $('delivery-state').textContent = t('deliveryStates')[state];
  // A sentence in another language than the page's is hidden until it is asked for again.
  const sentence = delivery.sentenceLang === lang ? delivery.sentence ?? '' : '';
  $('delivery-sentence').textContent = sentence;
  $('delivery-sentence').lang = delivery.sentenceLang ?? lang;
}

// ---- language ---------------------------------------------------------------------------

/** Puts every word of the page in `lang`, the current state included (in place). */
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
  renderAttachments();
  showRecipient(recipientState);
  render();
  deliveryLanguageChanged();
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
  sendButton.disabled = true;
  sendButton.setAttribute('aria-describedby', 'status');
}
document.body.dataset.lang = lang;
