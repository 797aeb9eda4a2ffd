// What removing a photo's metadata costs in the send path, per engine: a 4032×3024 JPEG of
// about 6 MB with EXIF (GPS, Orientation 6) and XMP is sent through the module page, the
// dev proxy and the mock, with and without `keepPhotoMetadata`; each send's time from the
// call to the end of its encoding phase (the last `onProgress` "encoding" report, before the
// request leaves) is taken, and the medians compared. Needs pkg/, ImageMagick and exiftool.
//
//   UPDOX_ENGINES=chromium node bench/photo-send.mjs [runs=9]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selectedEngines } from '../tests/support/engines.mjs';
import { validMessage } from '../tests/support/message.mjs';
import { mustRun } from '../tests/support/run.mjs';
import { startServers } from '../tests/support/servers.mjs';

const runs = Number(process.argv[2] ?? 9);
const dir = mkdtempSync(join(tmpdir(), 'updox-photo-bench-'));
const path = join(dir, 'phone.jpg');
await mustRun('convert', ['-size', '4032x3024', 'gradient:#c08060-#305070', '-attenuate', '0.45', '+noise', 'Gaussian', '-quality', '90', path], { timeout: 120_000 });
await mustRun('exiftool', ['-overwrite_original', '-q', '-GPSLatitude=40.6892', '-GPSLatitudeRef=N', '-GPSLongitude=74.0445', '-GPSLongitudeRef=W', '-Orientation#=6', '-Make=Phone', '-XMP-dc:Description=arm', path]);
const photo = readFileSync(path);
rmSync(dir, { recursive: true, force: true });
const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];

for (const engine of selectedEngines()) {
  const s = await startServers({ dev: true, modulePage: { upstream: 'dev', files: { '/phone.jpg': { type: 'image/jpeg', body: photo } } }, engine, open: true });
  try {
    const times = await s.page.evaluate(
      async (message, runs) => {
        const file = new File([await (await fetch('/phone.jpg')).arrayBuffer()], 'phone.jpg', { type: 'image/jpeg' });
        const once = async (keepPhotoMetadata) => {
          let encoded = 0;
          const t0 = performance.now();
          const onProgress = (p) => {
            if (p.phase === 'encoding' && p.loaded === p.total) encoded = performance.now() - t0;
          };
          const r = await window.updox.sendPatientDirectMessage({ ...message, attachments: [file] }, { proxyUrl: '/api/updox/PatientDirectMessageSend', keepPhotoMetadata, onProgress });
          return { ms: encoded, removed: r.attachments[0].metadataRemoved };
        };
        await once(false);
        await once(true);
        const out = { stripped: [], kept: [], removed: null };
        for (let i = 0; i < runs; i += 1) {
          const a = await once(false);
          out.stripped.push(a.ms);
          out.removed = a.removed;
          out.kept.push((await once(true)).ms);
        }
        return out;
      },
      validMessage(),
      runs,
    );
    const [stripped, kept] = [median(times.stripped), median(times.kept)];
    console.log(
      `${engine}: ${(photo.length / 1e6).toFixed(1)} MB JPEG, encoding phase median of ${runs}: ` +
        `metadata removed ${stripped.toFixed(1)} ms, kept ${kept.toFixed(1)} ms, ` +
        `difference ${(stripped - kept).toFixed(1)} ms (removed: ${times.removed.join(', ')})`,
    );
  } finally {
    await s.close();
  }
}
