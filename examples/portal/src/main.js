// The portal page: sign in (the server issues a token for the patient), then send a message
// with attachments through the portal's proxy with that token. The token is kept in memory
// only: nothing the patient types or receives is stored in the browser.
import init, { patientSender, sendPatientDirectMessage, UpdoxError } from 'updox-direct';

const ready = init(); // fetch and compile the wasm while the patient signs in
let session = null; // { patientId, token }

const $ = (id) => document.getElementById(id);
const show = (text, outcome) => {
  $('result').textContent = text;
  $('result').dataset.outcome = outcome;
};

$('sign-in').addEventListener('submit', async (event) => {
  event.preventDefault();
  const answer = await fetch('/sign-in', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ patientId: $('patient-id').value }),
  });
  if (!answer.ok) {
    $('sign-in-status').textContent = 'That patient could not be signed in.';
    return;
  }
  session = await answer.json();
  $('sign-in-status').textContent = `Signed in as patient ${session.patientId}.`;
  $('message').hidden = false;
});

$('message').addEventListener('submit', async (event) => {
  event.preventDefault();
  await ready;
  $('send').disabled = true;
  show('Sending…', 'sending');
  try {
    const result = await sendPatientDirectMessage(
      {
        to: $('to').value,
        from: patientSender(session.patientId),
        subject: $('subject').value,
        textMessage: $('text').value,
        attachments: [...$('files').files],
      },
      {
        proxyUrl: '/api/updox/PatientDirectMessageSend',
        headers: { Authorization: `Bearer ${session.token}` },
      },
    );
    show(`Sent. Message ID: ${result.messageId}`, 'sent');
    $('result').dataset.messageId = result.messageId;
  } catch (err) {
    if (!(err instanceof UpdoxError)) throw err;
    show(err.message, 'error'); // a sentence for the patient, never what was typed
    $('result').dataset.rule = err.rule;
  } finally {
    $('send').disabled = false;
  }
});
