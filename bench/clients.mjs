// The plain-JavaScript clients the module is measured against (browser ES module, no
// dependencies). Both send the same Updox JSON as the module, with the same headers, and
// accept the same message shape: {to, subject, textMessage, from, attachments: [File | Blob |
// {content: Blob, fileName, mimeType}]}.
//
// - sendBestJs: the best plain JS can do today — native `Uint8Array.prototype.toBase64`
//   and the body sent as a `Blob` of [JSON head, base64, JSON tail], never one big string.
// - sendNaiveJs: the obvious way — FileReader.readAsDataURL, `JSON.stringify` of the whole
//   message, the body as one string.
// - sendFloor: the upload floor — a `fetch` of a ready-made Blob (no reading, no encoding).

const ADDRESS = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z0-9-]*[A-Za-z-][A-Za-z0-9-]*$/;

/** The checks every client needs before sending anything (a light version of the module's). */
function check(message) {
  if (typeof message?.to !== 'string' || message.to.length > 254 || !ADDRESS.test(message.to)) {
    throw new Error('invalid Direct address');
  }
  if (typeof message.from !== 'string' || !/^patient:[^\s]+$/.test(message.from)) {
    throw new Error('from must be patient:{id}');
  }
  const attachments = (message.attachments ?? []).map((a) => {
    const blob = a instanceof Blob ? a : a.content;
    const fileName = a.fileName ?? blob.name;
    if (!(blob instanceof Blob) || !fileName) throw new Error('attachment needs a Blob and a fileName');
    return { blob, fileName, mimeType: a.mimeType || blob.type || 'application/octet-stream' };
  });
  return attachments;
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

export async function sendBestJs(message, { proxyUrl, timeoutMs } = {}) {
  const attachments = check(message);
  const parts = [];
  let json = `{"to":${q(message.to)},"subject":${q(message.subject ?? '')},"textMessage":${q(message.textMessage ?? '')},"from":${q(message.from)},"attachments":[`;
  for (const [i, a] of attachments.entries()) {
    json += `${i ? ',' : ''}{"fileName":${q(a.fileName)},"mimeType":${q(a.mimeType)},"content":"`;
    parts.push(json);
    parts.push(new Uint8Array(await a.blob.arrayBuffer()).toBase64());
    json = '"}';
  }
  parts.push(json + ']}');
  return post(proxyUrl, new Blob(parts, { type: 'application/json' }), timeoutMs);
}

function readAsDataURL(blob) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}

export async function sendNaiveJs(message, { proxyUrl, timeoutMs } = {}) {
  const attachments = check(message);
  const encoded = [];
  for (const a of attachments) {
    const url = await readAsDataURL(a.blob);
    encoded.push({ fileName: a.fileName, mimeType: a.mimeType, content: url.slice(url.indexOf(',') + 1) });
  }
  const body = JSON.stringify({
    to: message.to,
    subject: message.subject ?? '',
    textMessage: message.textMessage ?? '',
    from: message.from,
    attachments: encoded,
  });
  return post(proxyUrl, body, timeoutMs);
}

export async function sendFloor(readyBlob, { proxyUrl, timeoutMs } = {}) {
  return post(proxyUrl, readyBlob, timeoutMs);
}

/** The encoded body's size for a message with one attachment of `n` bytes (as sendBestJs builds it). */
export function bodySize(message, fileName, mimeType, n) {
  const head = `{"to":${q(message.to)},"subject":${q(message.subject ?? '')},"textMessage":${q(message.textMessage ?? '')},"from":${q(message.from)},"attachments":[{"fileName":${q(fileName)},"mimeType":${q(mimeType)},"content":"`;
  return new TextEncoder().encode(head).length + Math.ceil(n / 3) * 4 + 4;
}
