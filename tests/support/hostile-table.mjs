// The hostile-input table: hostile JavaScript values (and sizes) through every public
// function of the module, run inside a page opened by module-page.mjs. Every call
// must end in a typed answer — an issue list, a boolean, a value, or an UpdoxError of kind
// "validation" — never another exception, a trap or a hang, and the module must keep
// working for the next valid call. Shared by tests/module/hostile-input.browser.test.mjs and the soak.
import { validDemographics, validMessageFrom } from './message.mjs';

/**
 * Runs the whole table in `page`; `proxyUrl` is where the sends that pass validation go
 * (the fault server's /echo). Resolves {rows: [{api, label, problem, ms}], sendsPassed}.
 */
export async function runHostileTable(page, { proxyUrl }) {
  return page.evaluate(hostileSuite, { proxyUrl, message: validMessageFrom(), demographics: validDemographics() });
}

// Runs in the page: everything it needs is defined inside or passed in (`message`: a valid
// message with `from`, `demographics`: valid patient demographics).
async function hostileSuite({ proxyUrl, message, demographics }) {
  const U = window.updox;
  const rows = [];
  let sendsPassed = 0;

  // ---------- value makers (fresh per use: some are stateful or revoked) ----------
  const validDemographics = () => ({ ...demographics });
  const valid = () => ({ ...message });
  const throwingGetters = () => {
    const o = {};
    for (const k of ['to', 'subject', 'textMessage', 'from', 'patientDemographics', 'attachments', 'content', 'fileName', 'mimeType', 'name', 'type', 'size', 'length', 'proxyUrl', 'timeoutMs', 'headers', 'signal', 'onProgress', 'limits', 'auth', 'credentials', 'patientId', 'firstName', 'lastName', 'dateOfBirth', 'gender', 'emailAddress', 'middleName', 'maxSubjectChars', 'maxAttachments', 'toString', 'valueOf', 'toJSON']) {
      Object.defineProperty(o, k, { enumerable: true, get() { throw new Error(`hostile getter ${k}`); } });
    }
    return o;
  };
  const trapAll = (target) =>
    new Proxy(target, {
      get() { throw new Error('trap get'); },
      has() { throw new Error('trap has'); },
      ownKeys() { throw new Error('trap ownKeys'); },
      getOwnPropertyDescriptor() { throw new Error('trap gOPD'); },
      getPrototypeOf() { throw new Error('trap getPrototypeOf'); },
    });
  const revoked = (target) => {
    const r = Proxy.revocable(target, {});
    r.revoke();
    return r.proxy;
  };
  const deepObject = (n) => {
    const root = {};
    let o = root;
    for (let i = 0; i < n; i++) o = o.a = {};
    return root;
  };
  const deepArray = (n) => {
    const root = [];
    let a = root;
    for (let i = 0; i < n; i++) {
      const b = [];
      a.push(b);
      a = b;
    }
    return root;
  };
  const sparse = () => {
    const a = [];
    a.length = 2 ** 32 - 1;
    return a;
  };
  const HUGE = 'x'.repeat(5 * 1024 * 1024);
  const HUGE_ADDR = 'a'.repeat(5 * 1024 * 1024) + '@direct.example.com';
  const file = (name, type = 'text/plain', bytes = 3) => new File([new Uint8Array(bytes).fill(66)], name, { type });

  // Values tried in every slot.
  const GENERIC = [
    ['undefined', () => undefined],
    ['null', () => null],
    ['0', () => 0],
    ['-1', () => -1],
    ['NaN', () => NaN],
    ['Infinity', () => Infinity],
    ['1e308', () => 1e308],
    ['2^53+1', () => 2 ** 53 + 1],
    ['bigint', () => 10n],
    ['true', () => true],
    ['false', () => false],
    ['empty string', () => ''],
    ['whitespace string', () => ' \t\n '],
    ['NUL string', () => '\u0000'],
    ['lone surrogate', () => '\ud800'],
    ['bidi override', () => '\u202egnp.exe'],
    ['5 MiB string', () => HUGE],
    ['symbol', () => Symbol('hostile')],
    ['function', () => () => 'a@b.com'],
    ['empty array', () => []],
    ['array of strings', () => ['a@b.com', 'c@d.com']],
    ['sparse array of length 2^32-1', sparse],
    ['array nested 10000 deep', () => deepArray(10000)],
    ['object nested 100000 deep', () => deepObject(100000)],
    ['empty object', () => ({})],
    ['Object.create(null)', () => Object.create(null)],
    ['Date', () => new Date()],
    ['RegExp', () => /a@b\.com/],
    ['Map', () => new Map([['to', 'a@b.com']])],
    ['String object', () => new String('a@b.com')],
    ['object with toString', () => ({ toString: () => 'a@b.com', valueOf: () => 'a@b.com' })],
    ['getters that throw', throwingGetters],
    ['Proxy trapping everything', () => trapAll({})],
    ['Proxy of an array trapping everything', () => trapAll([])],
    ['revoked Proxy', () => revoked({})],
    ['revoked Proxy of an array', () => revoked([])],
    ['Blob.prototype look-alike', () => Object.create(Blob.prototype)],
    ['File.prototype look-alike', () => Object.create(File.prototype)],
    ['duck-typed blob', () => ({ size: 3, type: 'text/plain', name: 'a.txt', slice() { return this; }, arrayBuffer: async () => new ArrayBuffer(3) })],
    ['Uint8Array', () => new Uint8Array(4)],
    ['ArrayBuffer', () => new ArrayBuffer(4)],
    ['Promise', () => Promise.resolve('a@b.com')],
    ['AbortController', () => new AbortController()],
    ['window', () => window],
  ];
  const ODD_NAMES = ['', ' ', '.', '..', '../../etc/passwd', '..\\..\\boot.ini', 'C:\\Users\\me\\x.pdf', '/abs/x.pdf', 'evil\u202Efdp.exe', 'a\u2066b.txt', 'a\u0000b.txt', 'a\nb.txt', 'a\rb.txt', '\u0007bell.txt', 'x'.repeat(300), 'é'.repeat(200) + '.txt', '\ud800.txt', 'CON', 'a'.repeat(255) + '.pdf'];
  const ODD_TYPES = ['', 'text', 'a/b c', 'a/b; c', '/', 'text/', '/plain', 'text/plain; charset', 'text/plain;;', 'x'.repeat(300) + '/y', 'text/plain\u0000', 'TEXT/PLAIN', 'text/plain; a="b"', 'application/pdf; name=../../x'];

  // ---------- result checks ----------
  const describe = window.describeError;
  const issueProblem = (issues) => {
    if (!Array.isArray(issues)) return `not an array: ${typeof issues}`;
    for (const i of issues) {
      if (!i || typeof i.field !== 'string' || typeof i.code !== 'number' || typeof i.message !== 'string') return `malformed issue ${JSON.stringify(i)}`;
      if (i.message.length > 400 || i.field.length > 400) return `oversized issue (${i.message.length}/${i.field.length} chars): echoes input?`;
      if (![4020, 4060, 4640, 4652].includes(i.code)) return `issue code ${i.code}`;
    }
    return null;
  };
  const validationError = (e) => {
    const d = describe(e);
    if (!d.isUpdoxError) return `threw a non-UpdoxError: ${d.type} ${d.name}: ${d.message.slice(0, 200)}`;
    if (d.kind !== 'validation') return `UpdoxError of kind ${d.kind}: ${d.message}`;
    if (d.message.length > 400) return 'oversized error message';
    return issueProblem(d.issues) ?? (d.issues.length === 0 ? 'validation error without issues' : null);
  };
  const cleanName = (n) => typeof n === 'string' && n.trim() !== '' && !/[\\/\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/.test(n) && new TextEncoder().encode(n).length <= 255;
  const mimeOk = (m) => typeof m === 'string' && /^[!#$%&'*+.^_`|~0-9a-z-]+\/[!#$%&'*+.^_`|~0-9a-z-]+(; *[!#$%&'*+.^_`|~0-9A-Za-z-]+=[\x20-\x7e]+)*$/.test(m);

  // The module is alive: a valid validation and address check still answer.
  const liveness = () => {
    try {
      const issues = U.validatePatientDirectMessage(valid(), undefined);
      if (!Array.isArray(issues) || issues.length) return `module no longer validates a valid message: ${JSON.stringify(issues)}`;
      if (U.isValidDirectAddress('test@direct.updoxqa.com') !== true) return 'module no longer accepts a valid address';
      return null;
    } catch (e) {
      return `module dead: ${describe(e).message}`;
    }
  };

  const record = async (api, label, fn) => {
    const t0 = performance.now();
    let problem;
    try {
      problem = await fn();
    } catch (e) {
      problem = `harness: ${describe(e).message}`;
    }
    const ms = performance.now() - t0;
    if (!problem && ms > 3000) problem = `took ${Math.round(ms)} ms`;
    problem ??= liveness();
    rows.push({ api, label, problem: problem ?? null, ms: Math.round(ms) });
  };

  // ---------- validatePatientDirectMessage ----------
  const checkValidate = (message, limits, mustFail) => () => {
    let issues;
    try {
      issues = U.validatePatientDirectMessage(message(), limits ? limits() : undefined);
    } catch (e) {
      return `threw: ${describe(e).name}: ${describe(e).message.slice(0, 200)}`;
    }
    return issueProblem(issues) ?? (mustFail && issues.length === 0 ? 'no issue for an invalid message' : null);
  };
  const V = 'validatePatientDirectMessage';
  for (const [label, make] of GENERIC) {
    await record(V, `message = ${label}`, checkValidate(make, null, true));
    await record(V, `to = ${label}`, checkValidate(() => ({ ...valid(), to: make() }), null, true));
    for (const key of ['subject', 'textMessage', 'from', 'patientDemographics', 'attachments']) {
      await record(V, `${key} = ${label}`, checkValidate(() => ({ ...valid(), [key]: make() }), null, false));
    }
    for (const key of ['patientId', 'firstName', 'middleName', 'lastName', 'dateOfBirth', 'gender', 'emailAddress']) {
      await record(V, `patientDemographics.${key} = ${label}`, checkValidate(() => ({ ...valid(), from: undefined, patientDemographics: { ...validDemographics(), [key]: make() } }), null, false));
    }
    await record(V, `attachments = [${label}]`, checkValidate(() => ({ ...valid(), attachments: [make()] }), null, false));
    for (const key of ['content', 'fileName', 'mimeType']) {
      await record(V, `attachments[0].${key} = ${label}`, checkValidate(() => ({ ...valid(), attachments: [{ content: 'QUJD', fileName: 'a.txt', mimeType: 'text/plain', [key]: make() }] }), null, false));
    }
    await record(V, `limits = ${label}`, checkValidate(valid, make, false));
    for (const key of ['maxSubjectChars', 'maxTextMessageBytes', 'maxAttachments', 'maxAttachmentBytes', 'maxTotalAttachmentBytes']) {
      await record(V, `limits.${key} = ${label}`, checkValidate(valid, () => ({ [key]: make() }), false));
    }
  }
  for (const [label, make] of [
    ['to 5 MiB address', () => ({ ...valid(), to: HUGE_ADDR })],
    ['subject 5 MiB', () => ({ ...valid(), subject: HUGE })],
    ['textMessage 5 MiB', () => ({ ...valid(), textMessage: HUGE })],
    ['20000 attachments', () => ({ ...valid(), attachments: Array.from({ length: 20000 }, () => ({ content: 'QUJD', fileName: 'a.txt' })) })],
    ['dateOfBirth 2024-02-30', () => ({ ...valid(), from: undefined, patientDemographics: { ...validDemographics(), dateOfBirth: '2023-02-29' } })],
    ['dateOfBirth full-width digits', () => ({ ...valid(), from: undefined, patientDemographics: { ...validDemographics(), dateOfBirth: '１９９０-１０-１０' } })],
    ['dateOfBirth 9999-12-31', () => ({ ...valid(), from: undefined, patientDemographics: { ...validDemographics(), dateOfBirth: '9999-12-31' } })],
    ['dateOfBirth 0000-00-00', () => ({ ...valid(), from: undefined, patientDemographics: { ...validDemographics(), dateOfBirth: '0000-00-00' } })],
    ['from patient: with NUL', () => ({ ...valid(), from: 'patient:\u0000' })],
    ['from patient: (empty id)', () => ({ ...valid(), from: 'patient:' })],
    ['content: base64 with garbage', () => ({ ...valid(), attachments: [{ content: 'QUJD!!!=', fileName: 'a.txt' }] })],
    ['content: 5 MiB of =', () => ({ ...valid(), attachments: [{ content: '='.repeat(5 * 1024 * 1024), fileName: 'a.txt' }] })],
    ['content: non-canonical tail bits', () => ({ ...valid(), attachments: [{ content: 'QUJE=', fileName: 'a.txt' }] })],
  ]) {
    await record(V, label, checkValidate(make, null, true));
  }
  // Hostile sizes: a Blob that claims any size. Sizes never wrap or trap, and an entry the
  // reader did not read is still counted (never dropped).
  const claims = (size, bytes = 3) => {
    class Claiming extends Blob {
      get size() {
        return size;
      }
    }
    return new Claiming([new Uint8Array(bytes)], { type: 'application/pdf' });
  };
  const MAX = 2 ** 53 - 1;
  const RAISED = { maxAttachments: MAX, maxAttachmentBytes: MAX, maxTotalAttachmentBytes: MAX };
  const onlyRule = (rule, issues) => (issues.some((i) => i.rule === rule) ? null : `no ${rule} issue: ${JSON.stringify(issues.map((i) => i.rule))}`);
  for (const [label, size, rule] of [
    ['2^53', 2 ** 53, 'attachment.unreadable'],
    ['2^64', 2 ** 64, 'attachment.unreadable'],
    ['1e308', 1e308, 'attachment.unreadable'],
    ['-1', -1, 'attachment.unreadable'],
    ['NaN', NaN, 'attachment.unreadable'],
    ['Infinity', Infinity, 'attachment.unreadable'],
    ['1.5', 1.5, 'attachment.unreadable'],
    ['2^53-1', MAX, 'attachments.too_large'],
    ['0', 0, 'attachments.empty'],
  ]) {
    await record(V, `Blob claiming size ${label}`, () => {
      const issues = U.validatePatientDirectMessage({ ...valid(), attachments: [{ content: claims(size), fileName: 'big.pdf' }] });
      return issueProblem(issues) ?? onlyRule(rule, issues);
    });
  }
  await record(V, '20 Blobs of 2^53-1 bytes under raised limits: the total saturates', () => {
    const issues = U.validatePatientDirectMessage({ ...valid(), attachments: Array.from({ length: 20 }, () => ({ content: claims(MAX), fileName: 'a.pdf' })) }, RAISED);
    return issueProblem(issues) ?? onlyRule('attachments.total_too_large', issues);
  });
  await record(V, '1500 attachments under maxAttachments 5000: those past the reader are counted', () => {
    const issues = U.validatePatientDirectMessage({ ...valid(), attachments: Array.from({ length: 1500 }, () => ({ content: 'QUJD', fileName: 'a.txt' })) }, { maxAttachments: 5000 });
    return issueProblem(issues) ?? onlyRule('attachments.too_many', issues);
  });
  await record(V, 'a sparse list of 2^32-1 under raised limits', () => {
    const issues = U.validatePatientDirectMessage({ ...valid(), attachments: sparse() }, RAISED);
    return issueProblem(issues) ?? onlyRule('attachments.too_many', issues);
  });
  for (const name of ODD_NAMES) {
    await record(V, `File named ${JSON.stringify(name.slice(0, 40))}`, checkValidate(() => ({ ...valid(), attachments: [file(name)] }), null, false));
    // Given as-is (no File to strip directories from), all but "CON" and the lone
    // surrogate (which arrives as U+FFFD) must be refused.
    const mustFail = name !== 'CON' && name !== '\ud800.txt';
    await record(V, `encoded fileName ${JSON.stringify(name.slice(0, 40))}`, checkValidate(() => ({ ...valid(), attachments: [{ content: 'QUJD', fileName: name }] }), null, mustFail));
  }
  for (const type of ODD_TYPES) {
    await record(V, `File typed ${JSON.stringify(type.slice(0, 40))}`, checkValidate(() => ({ ...valid(), attachments: [file('a.txt', type)] }), null, false));
    await record(V, `encoded mimeType ${JSON.stringify(type.slice(0, 40))}`, checkValidate(() => ({ ...valid(), attachments: [{ content: 'QUJD', fileName: 'a.txt', mimeType: type }] }), null, false));
  }

  // ---------- sendPatientDirectMessage ----------
  // Every call must reject with an UpdoxError of kind "validation", except where the
  // hostile value lands in an optional slot that may ignore it (`mayPass`): then it may
  // also resolve (the send reaches /echo).
  const S = 'sendPatientDirectMessage';
  // `mayPass`: true = may also resolve; 'sent' = a relative proxy URL that is valid but
  // leads nowhere (the page server answers 404): any UpdoxError is right.
  const checkSend = (message, options, mayPass) => async () => {
    let promise;
    try {
      promise = U.sendPatientDirectMessage(message(), options());
    } catch (e) {
      return `threw synchronously: ${describe(e).message.slice(0, 200)}`;
    }
    if (!(promise instanceof Promise)) return 'did not return a Promise';
    try {
      await promise;
      sendsPassed += 1;
      return mayPass === true ? null : 'resolved for an invalid call';
    } catch (e) {
      if (mayPass === 'sent') return describe(e).isUpdoxError ? null : validationError(e);
      return validationError(e);
    }
  };
  const sendLiveness = async () => {
    try {
      await U.sendPatientDirectMessage(valid(), { proxyUrl, timeoutMs: 5000 });
      sendsPassed += 1;
      return null;
    } catch (e) {
      return `a valid send failed afterwards: ${describe(e).message}`;
    }
  };
  // After every case the module must still validate (see `record`); every 8th case a
  // whole valid send must also still go through.
  let sendCases = 0;
  const recordSend = (label, fn) =>
    record(S, label, async () => (await fn()) ?? (++sendCases % 8 === 0 ? await sendLiveness() : null));
  const absentish = new Set(['undefined', 'null']);
  for (const [label, make] of GENERIC) {
    await recordSend(`message = ${label}`, checkSend(make, () => ({ proxyUrl }), false));
    await recordSend(`to = ${label}`, checkSend(() => ({ ...valid(), to: make() }), () => ({ proxyUrl }), false));
    await recordSend(`attachments = [${label}]`, checkSend(() => ({ ...valid(), attachments: [make()] }), () => ({ proxyUrl }), false));
    await recordSend(`options = ${label}`, checkSend(valid, make, false));
    for (const key of ['proxyUrl', 'timeoutMs', 'signal', 'headers', 'credentials', 'onProgress', 'limits', 'auth']) {
      // Absent values may pass in optional slots, and so may objects as `headers` or
      // `limits` (an object without usable entries sets nothing); wrong types never.
      const sample = make();
      const isObject = sample !== null && typeof sample === 'object';
      let mayPass =
        key !== 'proxyUrl' &&
        (absentish.has(label) || ((key === 'headers' || key === 'limits') && isObject) || (key === 'onProgress' && label === 'function'));
      // Short strings are relative URLs on this page's origin: a valid (if useless) proxy URL.
      if (key === 'proxyUrl' && typeof sample === 'string' && sample.trim() !== '' && sample.length < 1000) mayPass = 'sent';
      await recordSend(`options.${key} = ${label}`, checkSend(valid, () => ({ proxyUrl, timeoutMs: 5000, [key]: make() }), mayPass));
    }
    // A hostile flag without auth changes nothing; with auth, only `true` may allow it.
    await recordSend(`options.allowBrowserCredentials = ${label} (no auth)`, checkSend(valid, () => ({ proxyUrl, allowBrowserCredentials: make() }), true));
    await recordSend(`options.allowBrowserCredentials = ${label} (with auth)`, checkSend(valid, () => ({ proxyUrl, allowBrowserCredentials: make(), auth: { applicationId: 'a', applicationPassword: 'b', accountId: 'c', userId: 'd' } }), label === 'true'));
    if (label !== 'true') {
      await recordSend(`options.allowInsecureProxyUrl = ${label} (non-loopback http)`, checkSend(valid, () => ({ proxyUrl: 'http://portal.example/send', allowInsecureProxyUrl: make() }), false));
    }
    await recordSend(`options.headers.X-Test = ${label}`, checkSend(valid, () => ({ proxyUrl, headers: { 'X-Test': make() } }), label === 'empty string'));
  }
  for (const [label, url] of [
    ['javascript: URL', 'javascript:alert(1)'],
    ['data: URL', 'data:application/json,{}'],
    ['file: URL', 'file:///etc/passwd'],
    ['blob: URL', 'blob:http://127.0.0.1/x'],
    ['ftp: URL', 'ftp://127.0.0.1/x'],
    ['ws: URL', 'ws://127.0.0.1/x'],
    ['not a URL', 'http://[::1'],
    ['http, non-loopback', 'http://portal.example/x'],
    ['http, loopback look-alike', 'http://127.0.0.1.portal.example/x'],
    ['http, localhost look-alike', 'http://localhost.portal.example/x'],
    ['whitespace only', '   '],
  ]) {
    await recordSend(`proxyUrl ${label}`, checkSend(valid, () => ({ proxyUrl: url }), false));
  }
  for (const [label, headers] of [
    ['CR LF in a value', { 'X-Token': 'a\r\nInjected: 1' }],
    ['LF in a value', { 'X-Token': 'a\nb' }],
    ['NUL in a value', { 'X-Token': 'a\u0000b' }],
    ['non-Latin-1 value', { 'X-Token': '€' }],
    ['Host', { Host: 'evil.example' }],
    ['Content-Type', { 'Content-Type': 'text/plain' }],
    ['content-length', { 'content-length': '1' }],
    ['Idempotency-Key', { 'Idempotency-Key': 'fixed' }],
    ['Cookie', { Cookie: 'a=b' }],
    ['Sec-Fetch-Site', { 'Sec-Fetch-Site': 'same-origin' }],
    ['Proxy-Authorization', { 'Proxy-Authorization': 'Basic x' }],
    ['Origin', { Origin: 'http://evil.example' }],
    ['Transfer-Encoding', { 'Transfer-Encoding': 'chunked' }],
    ['name with a space', { 'X Token': 'a' }],
    ['name with a colon', { 'X-Token:': 'a' }],
    ['name with CR LF', { 'X-A\r\nX-B': 'a' }],
    ['empty name', { '': 'a' }],
    ['non-ASCII name', { 'X-Tökén': 'a' }],
    ['5 MiB value', { 'X-Token': HUGE }],
    ['10000 headers', Object.fromEntries(Array.from({ length: 10000 }, (_, i) => [`X-H${i}`, '\r\n']))],
  ]) {
    await recordSend(`headers: ${label}`, checkSend(valid, () => ({ proxyUrl, headers }), false));
  }
  for (const name of ODD_NAMES) {
    // A File's directories are stripped; what remains must be a clean name or be refused.
    await recordSend(`File named ${JSON.stringify(name.slice(0, 40))}`, async () => {
      try {
        await U.sendPatientDirectMessage({ ...valid(), attachments: [file(name)] }, { proxyUrl });
        sendsPassed += 1;
        const last = await (await fetch(proxyUrl.replace(/\/echo$/, '/last'))).json();
        const sentName = JSON.parse(last.body).attachments[0].fileName;
        return cleanName(sentName) ? null : `sent an unclean file name ${JSON.stringify(sentName)}`;
      } catch (e) {
        return validationError(e);
      }
    });
  }
  for (const type of ODD_TYPES) {
    await recordSend(`File typed ${JSON.stringify(type.slice(0, 40))}`, async () => {
      try {
        await U.sendPatientDirectMessage({ ...valid(), attachments: [file('a.txt', type)] }, { proxyUrl });
        sendsPassed += 1;
        const last = await (await fetch(proxyUrl.replace(/\/echo$/, '/last'))).json();
        const sent = JSON.parse(last.body).attachments[0].mimeType;
        return mimeOk(sent) ? null : `sent a MIME type that does not parse: ${JSON.stringify(sent)}`;
      } catch (e) {
        return validationError(e);
      }
    });
  }

  // A Blob that claims more bytes than it holds, whatever the limits: the read comes back
  // short, so it is refused; nothing is sent.
  for (const [label, size] of [['2^53-1', MAX], ['4 MiB', 4 * 1024 * 1024], ['10', 10]]) {
    await recordSend(`send a Blob claiming ${label} bytes (it holds 3)`, checkSend(() => ({ ...valid(), attachments: [{ content: claims(size), fileName: 'a.pdf' }] }), () => ({ proxyUrl, limits: RAISED, timeoutMs: 5000 }), false));
  }
  await recordSend('send 1500 attachments under maxAttachments 5000', checkSend(() => ({ ...valid(), attachments: Array.from({ length: 1500 }, () => ({ content: 'QUJD', fileName: 'a.txt' })) }), () => ({ proxyUrl, limits: { maxAttachments: 5000 } }), false));
  for (const [label, make] of GENERIC) {
    await recordSend(`options.idempotencyKey = ${label}`, checkSend(valid, () => ({ proxyUrl, idempotencyKey: make() }), absentish.has(label)));
  }

  await record(S, 'a valid send after the whole send table', sendLiveness);

  // ---------- encodeAttachment ----------
  const E = 'encodeAttachment';
  const checkEncode = (blob, options, mayPass) => async () => {
    let promise;
    try {
      promise = U.encodeAttachment(blob(), options());
    } catch (e) {
      return `threw synchronously: ${describe(e).message.slice(0, 200)}`;
    }
    if (!(promise instanceof Promise)) return 'did not return a Promise';
    let a;
    try {
      a = await promise;
    } catch (e) {
      return validationError(e);
    }
    if (!mayPass) return `resolved: ${JSON.stringify(a).slice(0, 200)}`;
    if (!cleanName(a.fileName)) return `unclean file name ${JSON.stringify(a.fileName)}`;
    if (!mimeOk(a.mimeType)) return `MIME type does not parse: ${JSON.stringify(a.mimeType)}`;
    if (typeof a.content !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(a.content)) return 'content is not base64';
    return null;
  };
  for (const [label, make] of GENERIC) {
    await record(E, `file = ${label}`, checkEncode(make, () => ({ fileName: 'a.txt' }), false));
    await record(E, `options = ${label} (File)`, checkEncode(() => file('a.txt'), make, true));
    await record(E, `options.fileName = ${label} (Blob)`, checkEncode(() => new Blob(['abc']), () => ({ fileName: make() }), true));
    await record(E, `options.mimeType = ${label} (File)`, checkEncode(() => file('a.txt'), () => ({ mimeType: make() }), true));
  }
  await record(E, 'Blob without a fileName', checkEncode(() => new Blob(['abc']), () => ({}), false));
  for (const name of ODD_NAMES) {
    await record(E, `File named ${JSON.stringify(name.slice(0, 40))}`, checkEncode(() => file(name), () => ({}), true));
    await record(E, `options.fileName ${JSON.stringify(name.slice(0, 40))}`, checkEncode(() => new Blob(['abc']), () => ({ fileName: name }), true));
  }
  for (const type of ODD_TYPES) {
    await record(E, `File typed ${JSON.stringify(type.slice(0, 40))}`, checkEncode(() => file('a.txt', type), () => ({}), true));
    await record(E, `options.mimeType ${JSON.stringify(type.slice(0, 40))}`, checkEncode(() => file('a.txt'), () => ({ mimeType: type }), true));
  }

  // ---------- checkDirectRecipient ----------
  // A lookup that passes validation goes to `proxyUrl` (/echo answers like a send, without
  // validDirectAddress): any UpdoxError then, or an answer; a refused one must be a
  // validation UpdoxError. `mayPass` 'elsewhere': a relative proxy URL, which is valid but
  // leads to the page's own server (not counted as a request to /echo).
  const C = 'checkDirectRecipient';
  const checkLookup = (address, options, mayPass) => async () => {
    let promise;
    try {
      promise = U.checkDirectRecipient(address(), options());
    } catch (e) {
      return `threw synchronously: ${describe(e).message.slice(0, 200)}`;
    }
    if (!(promise instanceof Promise)) return 'did not return a Promise';
    const count = () => {
      if (mayPass !== 'elsewhere') sendsPassed += 1;
    };
    try {
      const r = await promise;
      count();
      return mayPass && typeof r?.trusted === 'boolean' ? null : `resolved: ${JSON.stringify(r).slice(0, 200)}`;
    } catch (e) {
      const d = describe(e);
      if (mayPass && d.isUpdoxError && d.kind !== 'validation') {
        count();
        return d.issues?.length ? 'issues on a failure that is not validation' : null;
      }
      return validationError(e);
    }
  };
  const ADDRESS = 'dr@direct.example.org';
  for (const [label, make] of GENERIC) {
    await record(C, `address = ${label}`, checkLookup(make, () => ({ proxyUrl, timeoutMs: 5000 }), false));
    await record(C, `options = ${label}`, checkLookup(() => ADDRESS, make, false));
    for (const key of ['proxyUrl', 'timeoutMs', 'signal', 'headers', 'credentials']) {
      const sample = make();
      const isObject = sample !== null && typeof sample === 'object';
      const mayPass = key !== 'proxyUrl' && (absentish.has(label) || (key === 'headers' && isObject));
      const relative = key === 'proxyUrl' && typeof sample === 'string' && sample.trim() !== '' && sample.length < 1000;
      await record(C, `options.${key} = ${label}`, checkLookup(() => ADDRESS, () => ({ proxyUrl, timeoutMs: 5000, [key]: make() }), relative ? 'elsewhere' : mayPass));
    }
    // What only a send has is left out of a lookup, whatever it holds.
    for (const key of ['limits', 'auth', 'onProgress', 'idempotencyKey']) {
      await record(C, `options.${key} = ${label} (ignored)`, checkLookup(() => ADDRESS, () => ({ proxyUrl, timeoutMs: 5000, [key]: make() }), true));
    }
  }
  for (const [address, mayPass] of [[HUGE_ADDR, false], ['a@b', false], ['"a"@b.com', false], [' ptacct+227685@direct.updoxqa.com ', true]]) {
    await record(C, `address ${JSON.stringify(address.slice(0, 40))}`, checkLookup(() => address, () => ({ proxyUrl, timeoutMs: 5000 }), mayPass));
  }

  // ---------- patientSender ----------
  const P = 'patientSender';
  const checkSender = (make) => () => {
    let s;
    try {
      s = U.patientSender(make());
    } catch (e) {
      return validationError(e);
    }
    if (typeof s !== 'string' || !s.startsWith('patient:')) return `returned ${typeof s}`;
    const id = s.slice('patient:'.length);
    if (!id || /[\s\u0000-\u001f\u007f-\u009f]/.test(id) || id.length > 128) return `returned an unclean sender ${JSON.stringify(s.slice(0, 60))}`;
    return null;
  };
  for (const [label, make] of GENERIC) await record(P, `id = ${label}`, checkSender(make));
  for (const id of ['a b', 'a\tb', '\u202e123', 'x'.repeat(129), 'patient:1', '1\n', 'é', '🙂', '\ud800']) {
    await record(P, `id = ${JSON.stringify(id.slice(0, 20))}`, checkSender(() => id));
  }

  // ---------- isValidDirectAddress ----------
  const A = 'isValidDirectAddress';
  const checkAddress = (make, expected) => () => {
    let r;
    try {
      r = U.isValidDirectAddress(make());
    } catch (e) {
      return `threw: ${describe(e).message.slice(0, 200)}`;
    }
    if (typeof r !== 'boolean') return `returned ${typeof r}`;
    if (expected !== undefined && r !== expected) return `returned ${r}`;
    return null;
  };
  for (const [label, make] of GENERIC) await record(A, `address = ${label}`, checkAddress(make, false));
  for (const [address, expected] of [
    ['a@b.com', true],
    ['ptacct+227685@direct.updoxqa.com', true],
    [HUGE_ADDR, false],
    ['a@b', false],
    ['a@@b.com', false],
    ['"a"@b.com', false],
    ['a@[127.0.0.1]', false],
    ['a@b.123', false],
    ['a @b.com', false],
    ['a@b.com\u0000', false],
    ['a@b\u202e.com', false],
    ['ａ@b.com', false],
    ['.a@b.com', false],
    ['a..b@b.com', false],
    ['a@-b.com', false],
    [`${'a'.repeat(65)}@b.com`, false],
    [`a@${'b'.repeat(64)}.com`, false],
    ['a@b.com.', false],
  ]) {
    await record(A, `address ${JSON.stringify(address.slice(0, 40))}`, checkAddress(() => address, expected));
  }

  return { rows, sendsPassed };
}
