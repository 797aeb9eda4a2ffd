// CDN-style use: the package's files served as they are (here /pkg/, a copy of the unpacked
// npm tarball), imported from a plain <script type="module">, the wasm URL given to init.
import init, { patientSender, sendPatientDirectMessage, UpdoxError } from '/pkg/updox_direct.js';

const show = (state, outcome) => {
  document.querySelector('#status').textContent = state === 'done' ? 'Message sent.' : 'Message not sent.';
  document.querySelector('#result').textContent = JSON.stringify(outcome, null, 2);
  document.body.dataset.state = state;
};

try {
  await init({ module_or_path: '/pkg/updox_direct_bg.wasm' });
  const scan = new Blob([new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 255])], { type: 'image/png' });
  const result = await sendPatientDirectMessage(
    {
      to: 'front-desk@direct.example-clinic.org',
      from: patientSender('48213'),
      subject: 'Insurance card',
      attachments: [{ content: scan, fileName: 'insurance-card.png' }],
    },
    { proxyUrl: '/api/updox/PatientDirectMessageSend' },
  );
  show('done', { ok: true, result });
} catch (err) {
  show('error', { ok: false, isUpdoxError: err instanceof UpdoxError, kind: err?.kind ?? null, message: String(err?.message ?? err) });
}
