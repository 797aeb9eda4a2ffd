// Must NOT type-check: `textMesage` is a misspelt message field, `proxyURL` a misspelt
// option, `to.invalidd` a misspelt rule id and `sp` an unknown locale.
// tests/package/consumer.browser.test.mjs asserts that tsc rejects this file and names each.
import { sendPatientDirectMessage, validatePatientDirectMessage, type PatientDirectMessage } from 'updox-direct';

const message: PatientDirectMessage = {
  to: 'dr.okafor@direct.example-clinic.org',
  from: 'patient:48213',
  textMesage: 'Hello',
};

export async function send(): Promise<void> {
  await sendPatientDirectMessage(message, { proxyURL: '/api/updox/PatientDirectMessageSend' });
}

export const issues = validatePatientDirectMessage(message, {}, { messages: { 'to.invalidd': 'Check the address.' } });
export const inSpanish = validatePatientDirectMessage(message, {}, { locale: 'sp' });
