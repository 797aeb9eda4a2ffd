// A portal page as a customer would write it, importing the package by name. On load it
// sends one message with a small File attachment through the same-origin proxy and shows
// the outcome; tests/package/consumer.browser.test.mjs reads `#result` once `body[data-state]` is final.
import init, {
  UpdoxError,
  defaultLimits,
  isValidDirectAddress,
  loadLocale,
  patientSender,
  sendPatientDirectMessage,
  updoxResponseCodes,
  validatePatientDirectMessage,
  type PatientDirectMessage,
  type LocaleOptions,
  type SendOptions,
  type SendProgress,
  type SendResult,
  type ValidationIssue,
} from 'updox-direct';

const PROXY_URL = '/api/updox/PatientDirectMessageSend';

interface Outcome {
  ok: boolean;
  result?: SendResult;
  error?: { name: string; kind: string; message: string; issues: ValidationIssue[] };
  checks: {
    validIssues: ValidationIssue[];
    invalidAddressIssue: ValidationIssue | undefined;
    isValidDirectAddress: boolean;
    rejectedWithUpdoxError: boolean;
    rejectedKind: string | null;
    rejectedRule: string | null;
    rejectedMessage: string | null;
    spanishIssue: ValidationIssue | undefined;
    customIssue: ValidationIssue | undefined;
    knownCodes: number;
    maxAttachments: number;
    phases: SendProgress['phase'][];
  };
}

function show(state: 'done' | 'error', text: string, outcome: unknown): void {
  const status = document.querySelector<HTMLParagraphElement>('#status');
  const result = document.querySelector<HTMLPreElement>('#result');
  if (status) status.textContent = text;
  if (result) result.textContent = JSON.stringify(outcome, null, 2);
  document.body.dataset['state'] = state;
}

async function run(): Promise<Outcome> {
  await init();

  const note = new File(['Blood pressure log, week 47: 128/82, 131/85, 125/80\n'], 'bp-log.txt', {
    type: 'text/plain',
  });
  const message: PatientDirectMessage = {
    to: 'care-team@direct.example-clinic.org',
    subject: 'Blood pressure log',
    textMessage: 'Hello, my readings for this week are attached.',
    attachments: [note],
    patientDemographics: {
      patientId: '48213',
      firstName: 'Jane',
      lastName: 'Doe',
      dateOfBirth: '1984-07-19',
      gender: 'f',
      emailAddress: '',
    },
  };

  // A typo in the address: validation catches it and the send rejects without a request,
  // in Spanish (the send loads the Spanish sentences itself; the bundle splits them out).
  const invalid: PatientDirectMessage = { ...message, to: 'care-team@@direct.example-clinic.org' };
  let rejectedWithUpdoxError = false;
  let rejectedKind: string | null = null;
  let rejectedRule: string | null = null;
  let rejectedMessage: string | null = null;
  try {
    await sendPatientDirectMessage({ ...invalid, from: patientSender('48213') }, { proxyUrl: PROXY_URL, locale: 'es' });
  } catch (err) {
    rejectedWithUpdoxError = err instanceof UpdoxError;
    if (err instanceof UpdoxError) {
      rejectedKind = err.kind;
      rejectedRule = err.rule;
      rejectedMessage = err.message;
    }
  }
  await loadLocale('es');
  const spanish: LocaleOptions = { locale: 'es' };
  const custom: LocaleOptions = { locale: 'es', messages: { 'to.invalid': 'Revise la dirección.' } };

  const phases: SendProgress['phase'][] = [];
  const options: SendOptions = {
    proxyUrl: PROXY_URL,
    timeoutMs: 20_000,
    credentials: 'same-origin',
    onProgress: (p) => {
      if (phases[phases.length - 1] !== p.phase) phases.push(p.phase);
    },
  };
  const checks: Outcome['checks'] = {
    validIssues: validatePatientDirectMessage(message, {}),
    invalidAddressIssue: validatePatientDirectMessage(invalid, {}).find((i) => i.field === 'to'),
    isValidDirectAddress: isValidDirectAddress(message.to),
    rejectedWithUpdoxError,
    rejectedKind,
    rejectedRule,
    rejectedMessage,
    spanishIssue: validatePatientDirectMessage(invalid, {}, spanish).find((i) => i.field === 'to'),
    customIssue: validatePatientDirectMessage(invalid, {}, custom).find((i) => i.rule === 'to.invalid'),
    knownCodes: updoxResponseCodes().length,
    maxAttachments: defaultLimits().maxAttachments,
    phases,
  };

  try {
    const result = await sendPatientDirectMessage(message, options);
    return { ok: true, result, checks };
  } catch (err) {
    if (!(err instanceof UpdoxError)) throw err;
    const { name, kind, message: text, issues } = err;
    return { ok: false, error: { name, kind, message: text, issues }, checks };
  }
}

run().then(
  (outcome) =>
    show(outcome.ok ? 'done' : 'error', outcome.ok ? 'Message sent.' : 'Message not sent.', outcome),
  (err: unknown) => show('error', 'Unexpected failure.', { unexpected: String(err) }),
);
