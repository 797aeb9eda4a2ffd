// The HTTP exchange with the portal's proxy: one POST that follows no redirect, a timeout
// over the whole exchange (the answer included) from the moment the request is sent, the caller's AbortSignal, and
// an answer read up to 1 MiB (Updox's answers are a few hundred bytes). Never rejects: a
// failure is reported by its number, which the core turns into the error (coreFailure).

const MAX_ANSWER = 1024 * 1024;
// Lossy, and a byte-order mark is kept (an answer that starts with one is not JSON).
const answerDecoder = new TextDecoder('utf-8', { ignoreBOM: true });

/** The failures, as coreFailure numbers them (UNREADABLE: a file, for js/api.js). */
export const ABORTED = 0;
const ABORTED_AFTER_SENDING = 1;
const TIMEOUT = 2;
const OFFLINE = 3;
const TOO_LARGE = 4;
const CANNOT_PREPARE = 5;
const NETWORK = 6;
export const UNREADABLE = 7;

/** Calls the caller's progress callback; its exceptions are the caller's business. */
export function reportProgress(onProgress, phase, loaded, total) {
  try {
    onProgress?.({ phase, loaded, total });
  } catch {
    // The page's callback failed; sending goes on.
  }
}

/** The answer's text, or null when it is longer than MAX_ANSWER bytes. */
async function readCapped(response) {
  // Read as a stream whatever the declared length: a compressed answer's Content-Length is
  // the compressed size, and a cross-origin page cannot see Content-Encoding unless the
  // proxy exposes it.
  const reader = response.body?.getReader();
  const chunks = [];
  let length = 0;
  for (;;) {
    const chunk = await reader?.read();
    if (!chunk || chunk.done) break;
    length += chunk.value.length;
    if (length > MAX_ANSWER) {
      reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(chunk.value);
  }
  // Joined by hand: a Blob round trip costs Chromium about a millisecond per answer.
  const bytes = chunks.length === 1 ? chunks[0] : new Uint8Array(length);
  if (chunks.length !== 1) {
    let at = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, at);
      at += chunk.length;
    }
  }
  return answerDecoder.decode(bytes);
}

/**
 * POSTs `body` (a string or a Blob of `bodyLength` bytes) to `url`, with `key` as its
 * Idempotency-Key (none for a lookup). `headers` is a list of [name, value] pairs (checked
 * by the core). Resolves {status, text} when an answer was read, else {status?, failure}.
 */
export async function exchange(url, body, bodyLength, headers, credentials, timeoutMs, signal, onProgress, key) {
  const controller = new AbortController();
  let timedOut = false;
  let timer;
  // Aborting settles the exchange at once, whether or not the engine then rejects the fetch
  // (WebKit can let an aborted fetch run on until its answer arrives).
  let stop;
  const stopped = new Promise((_, reject) => (stop = reject));
  stopped.catch(() => {});
  const settle = (promise) => Promise.race([promise, stopped]);
  const abort = () => {
    controller.abort();
    stop();
  };
  let request;
  try {
    const init = {
      method: 'POST',
      headers: [['Content-Type', 'application/json'], ...(key ? [['Idempotency-Key', key]] : []), ...headers],
      body,
      signal: controller.signal,
      // A redirect would re-send the message to wherever the answer points.
      redirect: 'error',
    };
    if (credentials) init.credentials = credentials;
    request = new Request(url, init);
  } catch {
    return { failure: CANNOT_PREPARE };
  }
  if (signal?.aborted) return { failure: ABORTED };
  // Offline is known only before the request: after a failure, the browser saying so does
  // not prove that nothing left.
  if (globalThis.navigator?.onLine === false) return { failure: OFFLINE };
  signal?.addEventListener('abort', abort);
  // Once fetch has the request, it may arrive whatever happens next.
  const failure = () => ({ failure: timedOut ? TIMEOUT : signal?.aborted ? ABORTED_AFTER_SENDING : NETWORK });
  try {
    reportProgress(onProgress, 'sending', 0, bodyLength);
    timer = setTimeout(() => {
      timedOut = true;
      abort();
    }, timeoutMs);
    let response;
    let text;
    try {
      response = await settle(fetch(request));
      reportProgress(onProgress, 'sending', bodyLength, bodyLength);
      text = Number(response.headers.get('content-length')) > MAX_ANSWER ? null : await settle(readCapped(response));
    } catch {
      return failure();
    }
    if (text === null) {
      abort();
      return { status: response.status, failure: TOO_LARGE };
    }
    return { status: response.status, text };
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', abort);
  }
}
