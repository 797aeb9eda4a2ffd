// The demo page with phone photos, in each engine: picking a photo with a location says it
// is removed before sending (and what reaches Updox has none); a photo over the per-file
// limit is offered as a smaller copy with its size, which replaces it only when the patient
// presses the offer; a HEIC gets the module's sentence on how to send it as JPEG where the
// engine cannot convert it; all of it in Spanish after the switch, and axe is clean.
// Needs pkg/, exiftool and ImageMagick (scripts/setup.sh installs both).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { attachFiles, axeViolations, clickButton, fillForm, openDemoPage, sendAndWait, waitForSelector } from '../support/demo-page.mjs';
import { selectedEngines } from '../support/engines.mjs';
import { mustRun } from '../support/run.mjs';
import { useServers } from '../support/servers.mjs';

const TEST_TIMEOUT = 180_000;
const FIXTURES = new URL('../fixtures/photos/', import.meta.url);
const fixture = (name) => ({ name, buffer: readFileSync(new URL(name, FIXTURES)) });

let dir;
let big; // a 2600×2000 phone photo of about 12 MB, with a location: over the 10 MB limit
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'updox-demo-photos-'));
  const path = join(dir, 'IMG_2041.jpg');
  await mustRun('convert', ['-size', '2600x2000', 'xc:', '+noise', 'Random', '-quality', '97', path]);
  await mustRun('exiftool', ['-overwrite_original', '-q', '-GPSLatitude=40.6892', '-GPSLatitudeRef=N', '-GPSLongitude=74.0445', '-GPSLongitudeRef=W', path]);
  big = { name: 'IMG_2041.jpg', buffer: readFileSync(path) };
  assert.ok(big.buffer.length > 10 * 1024 * 1024, `${big.buffer.length} bytes`);
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** The notes under the attached files, and the names and sizes listed, as the patient sees them. */
const listed = (page) =>
  page.evaluate(() =>
    [...document.querySelectorAll('#attachment-list li')].map((li) => ({
      name: li.querySelector('.file-name').textContent,
      size: li.querySelector('.file-size').textContent,
      note: li.querySelector('.attachment-note').hidden ? '' : li.querySelector('.attachment-note').textContent,
    })),
  );

/** Waits until the note of the file listed `index`-th matches `re`. */
const noteMatches = (page, index, re) =>
  page.waitFor((i, source) => new RegExp(source).test(document.querySelectorAll('#attachment-list .attachment-note')[i]?.textContent ?? ''), { timeout: 120_000 }, index, re.source);

async function exifOf(bytes) {
  const path = join(dir, 'received.jpg');
  writeFileSync(path, bytes);
  return JSON.parse((await mustRun('exiftool', ['-j', '-G1', '-n', path])).stdout)[0];
}

for (const engineName of selectedEngines()) describe(engineName, () => {
  const s = useServers({ dev: true, front: true, engine: engineName });

  test('location note, a smaller copy offered and chosen, HEIC, Spanish, axe; the photo arrives without its location', { timeout: TEST_TIMEOUT }, async () => {
    s.dev.mock.reset();
    const page = await openDemoPage(s.engine, s.front.url);
    try {
      await waitForSelector(page, 'body[data-ready="true"]');
      await attachFiles(page, fixture('quadrants.jpg'));
      await noteMatches(page, 0, /^Location removed before sending$/);
      assert.deepEqual(await axeViolations(page), [], 'English, a photo with its note');

      await attachFiles(page, [big, fixture('quadrants.heic')]);
      await noteMatches(page, 1, /Send a smaller copy \(\d(\.\d)? MB\)/);
      await noteMatches(page, 2, /JPEG/);
      let rows = await listed(page);
      assert.equal(rows[1].name, 'IMG_2041.jpg');
      assert.match(rows[1].size, /^1\d MB$/, 'the original stays attached until the patient chooses');
      assert.match(rows[1].note, /^Location removed before sending/);
      const offered = Number(rows[1].note.match(/\((\d(?:\.\d)?) MB\)/)[1]);
      assert.ok(offered <= 2, `${offered} MB`);
      // No engine here decodes HEIC: the module's sentence says how to send it as JPEG.
      assert.match(rows[2].note, /Save it as a JPEG first/);
      assert.deepEqual(await axeViolations(page), [], 'English, the offers');

      await clickButton(page, 'Español');
      await waitForSelector(page, 'body[data-lang="es"]');
      await noteMatches(page, 2, /Guárdela primero como JPEG/);
      rows = await listed(page);
      assert.equal(rows[0].note, 'Ubicación eliminada antes de enviar');
      assert.match(rows[1].note, /Enviar una copia más pequeña \(\d(,\d)? MB\)/);
      assert.deepEqual(await axeViolations(page), [], 'Spanish, the offers');

      const label = await page.evaluate(() => document.querySelector('#attachment-list button.photo-copy').textContent);
      await clickButton(page, label);
      await noteMatches(page, 1, /Se adjuntó una copia/);
      rows = await listed(page);
      assert.equal(rows[1].name, 'IMG_2041.jpg');
      assert.equal(rows[1].size, label.match(/\((.*)\)/)[1], 'the copy offered is the copy attached');
      assert.equal(await page.evaluate(() => document.activeElement?.className), 'remove', 'focus stays on the row');

      // The HEIC is removed; the photo and the copy are sent.
      await page.evaluate(() => document.querySelectorAll('#attachment-list button.remove')[2].click());
      await clickButton(page, 'English');
      await waitForSelector(page, 'body[data-lang="en"]');
      await fillForm(page, { to: 'care-team@direct.example-clinic.org', subject: 'Rash', textMessage: 'Photos of the rash.', patient: { patientId: '48213' } });
      assert.equal(await sendAndWait(page, { timeout: 60_000 }), 'success');
      const [message] = s.dev.mock.messages();
      assert.equal(message.attachments.length, 2);
      for (const a of message.attachments) {
        const tags = await exifOf(Buffer.from(a.content, 'base64'));
        assert.deepEqual(Object.keys(tags).filter((k) => /GPS/.test(k)), [], `${a.fileName} arrives without its location`);
      }
      assert.ok(message.attachments[1].size <= 2 * 1024 * 1024);
    } finally {
      await page.close();
    }
  });
});
