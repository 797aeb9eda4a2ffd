// The plain-JavaScript clients the module is measured against (browser ES module, no
// dependencies). They send the same Updox JSON as the module, with the same headers, and
// accept the same message shape: {to, subject, textMessage, from, attachments: [File | Blob |
// {content: Blob, fileName, mimeType}]}.
//
// - sendPlain(message, {proxyUrl, chunked}): the best plain JS can do. A text-only message
//   goes as one string (`JSON.stringify`), as any plain client would send it. With
//   attachments, the body is a Blob of [JSON head, base64, JSON tail] (never one big string),
//   the base64 made by the engine's native encoder, `Uint8Array.prototype.toBase64`, or where
//   the engine lacks it by its best fallback, `FileReader.readAsDataURL` (see ENCODER):
//     one-shot (chunked: false): the whole file read at once and encoded in one call;
//     chunked (chunked: true): the file read and encoded in 3 MiB slices (as the module
//       does), each slice's base64 kept as a Blob part, so no whole-file copy is ever held.
// - sendFloor(readyBlob): the upload floor, a `fetch` of a ready-made Blob (no reading, no
//   encoding).

const ADDRESS = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z0-9-]*[A-Za-z-][A-Za-z0-9-]*$/;
/** Bytes read and encoded at a time by the chunked client: 3 MiB, a multiple of 3. */
const SLICE = 3 * 1024 * 1024;

/** The native encoder the plain clients use in this engine. */
export const ENCODER = typeof Uint8Array.prototype.toBase64 === 'function' ? 'toBase64' : 'readAsDataURL';

function readAsDataURL(blob) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}

/** The base64 of a Blob, with the engine's best native encoder. */
export async function base64Of(blob) {
  if (ENCODER === 'toBase64') return new Uint8Array(await blob.arrayBuffer()).toBase64();
  const url = await readAsDataURL(blob);
  return url.slice(url.indexOf(',') + 1);
}

/** The checks every client needs before sending anything (a light version of the module's). */
function check(message) {
  if (typeof message?.to !== 'string' || message.to.length > 254 || !ADDRESS.test(message.to)) {
    throw new Error('invalid Direct address');
  }
  if (typeof message.from !== 'string' || !/^patient:[^\s]+$/.test(message.from)) {
    throw new Error('from must be patient:{id}');
  }
  return (message.attachments ?? []).map((a) => {
    const blob = a instanceof Blob ? a : a.content;
    const fileName = a.fileName ?? blob.name;
    if (!(blob instanceof Blob) || !fileName) throw new Error('attachment needs a Blob and a fileName');
    return { blob, fileName, mimeType: a.mimeType || blob.type || 'application/octet-stream' };
  });
}

/** POSTs `body` and resolves with Updox's success JSON; throws on anything else. */
async function post(proxyUrl, body, timeoutMs = 30000) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const res = await fetch(proxyUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Idempotency-Key': crypto.randomUUID() },
      body,
      signal: controller.signal,
    });
    const json = await res.json();
    if (!res.ok || json?.successful !== true || json.responseCode !== 2000) {
      throw new Error(`send failed: HTTP ${res.status}, ${json?.responseCode} ${json?.responseMessage}`);
    }
    return json;
  } finally {
    clearTimeout(timer);
  }
}

const q = JSON.stringify;

export async function sendPlain(message, { proxyUrl, timeoutMs, chunked = false } = {}) {
  const attachments = check(message);
  if (!attachments.length) {
    const body = q({ to: message.to, subject: message.subject ?? '', textMessage: message.textMessage ?? '', from: message.from, attachments: [] });
    return post(proxyUrl, body, timeoutMs);
  }
  const parts = [];
  let json = `{"to":${q(message.to)},"subject":${q(message.subject ?? '')},"textMessage":${q(message.textMessage ?? '')},"from":${q(message.from)},"attachments":[`;
  for (const [i, a] of attachments.entries()) {
    json += `${i ? ',' : ''}{"fileName":${q(a.fileName)},"mimeType":${q(a.mimeType)},"content":"`;
    parts.push(json);
    if (!chunked) parts.push(await base64Of(a.blob));
    else {
      for (let at = 0; at < a.blob.size; at += SLICE) {
        parts.push(new Blob([await base64Of(a.blob.slice(at, Math.min(at + SLICE, a.blob.size)))]));
      }
    }
    json = '"}';
  }
  parts.push(json + ']}');
  return post(proxyUrl, new Blob(parts, { type: 'application/json' }), timeoutMs);
}

export async function sendFloor(readyBlob, { proxyUrl, timeoutMs } = {}) {
  return post(proxyUrl, readyBlob, timeoutMs);
}

/** The encoded body's size for a message with one attachment of `n` bytes (as sendPlain builds it). */
export function bodySize(message, fileName, mimeType, n) {
  const head = `{"to":${q(message.to)},"subject":${q(message.subject ?? '')},"textMessage":${q(message.textMessage ?? '')},"from":${q(message.from)},"attachments":[{"fileName":${q(fileName)},"mimeType":${q(mimeType)},"content":"`;
  return new TextEncoder().encode(head).length + Math.ceil(n / 3) * 4 + 4;
}
