// Must NOT type-check: `textMesage` is a misspelt message field and `proxyURL` a misspelt
// option. tests/consumer.test.mjs asserts that tsc rejects this file and names both.
import { sendPatientDirectMessage, type PatientDirectMessage } from 'updox-direct';

const message: PatientDirectMessage = {
  to: 'dr.okafor@direct.example-clinic.org',
  from: 'patient:48213',
  textMesage: 'Hello',
};

export async function send(): Promise<void> {
  await sendPatientDirectMessage(message, { proxyURL: '/api/updox/PatientDirectMessageSend' });
}
