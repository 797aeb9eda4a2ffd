// Photos through the real proxy and mock, in each engine: a JPEG or PNG attachment reaches
// Updox without its location and other metadata (read back with exiftool), its image data
// byte for byte, its ICC profile kept, and it still displays upright (decoded by the engine,
// pixels probed); `keepPhotoMetadata: true` sends it byte for byte; malformed files go as
// they are. `inspectAttachment` describes each fixture; `preparePhoto` gives an upright JPEG
// within its limits, or the typed error where the engine cannot decode the file.
// Fixtures: tests/fixtures/photos/ (scripts/make-photo-fixtures.sh says how they were made).
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validMessage } from '../support/message.mjs';
import { selectedEngines } from '../support/engines.mjs';
import { mustRun } from '../support/run.mjs';
import { useServers } from '../support/servers.mjs';

const FIXTURES = new URL('../fixtures/photos/', import.meta.url);
const NAMES = ['quadrants.jpg', 'quadrants.png', 'quadrants.heic', 'truncated.jpg', 'bad-length.jpg', 'truncated.png', 'bad-chunk.png'];
const TYPES = { jpg: 'image/jpeg', png: 'image/png', heic: 'image/heic' };
const typeOf = (name) => TYPES[name.split('.').pop()];
const bytesOf = (name) => readFileSync(new URL(name, FIXTURES));
const files = Object.fromEntries(NAMES.map((n) => [`/photos/${n}`, { type: typeOf(n), body: bytesOf(n) }]));
const sha = (bytes) => createHash('sha256').update(bytes).digest('hex');
const proxyUrl = '/api/updox/PatientDirectMessageSend';

/** The JPEG's entropy-coded data: from its first SOS segment to the end. */
function jpegScan(b) {
  let at = 2;
  while (at + 4 <= b.length && b[at] === 0xff) {
    const marker = b[at + 1];
    if (marker === 0xda) return b.subarray(at);
    at += 2 + b.readUInt16BE(at + 2);
  }
  throw new Error('no SOS');
}

/** The PNG's image data: its IDAT chunks' data, in order. */
function pngData(b) {
  const parts = [];
  for (let at = 8; at + 8 <= b.length; ) {
    const len = b.readUInt32BE(at);
    if (b.toString('latin1', at + 4, at + 8) === 'IDAT') parts.push(b.subarray(at + 8, at + 8 + len));
    at += 12 + len;
  }
  return Buffer.concat(parts);
}

let dir;
before(() => (dir = mkdtempSync(join(tmpdir(), 'updox-photos-'))));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Every tag exiftool reads in `bytes`, by group:name. */
async function exif(bytes, name) {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  const { stdout } = await mustRun('exiftool', ['-j', '-G1', '-a', '-u', '-n', path]);
  return JSON.parse(stdout)[0];
}

/** The tags whose group:name matches `re`, outside the ICC profile (which is kept). */
const tagsLike = (tags, re) => Object.keys(tags).filter((k) => re.test(k) && !/^ICC/.test(k));

for (const engineName of selectedEngines()) describe(engineName, () => {
  const s = useServers({ engine: engineName, dev: true, modulePage: { upstream: 'dev', files }, open: true });
  beforeEach(() => s.dev.mock.reset());

  before(async () => {
    await s.page.evaluate(() => {
      window.fixture = async (name, type) => new File([await (await fetch(`/photos/${name}`)).arrayBuffer()], name, { type });
      const b64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
      // The corners' colours of an image as the engine shows it (orientation applied).
      window.shown = async (blob) => {
        const bitmap = await createImageBitmap(blob, { imageOrientation: 'from-image' });
        const { width, height } = bitmap;
        const canvas = new OffscreenCanvas(width, height);
        const ctx = canvas.getContext('2d');
        ctx.drawImage(bitmap, 0, 0);
        const at = (fx, fy) => {
          const [r, g, b] = ctx.getImageData(Math.floor(width * fx), Math.floor(height * fy), 1, 1).data;
          const name = (v) => (v > 160 ? 1 : v < 90 ? 0 : '?');
          return { '100': 'red', '010': 'green', '001': 'blue', '110': 'yellow' }[`${name(r)}${name(g)}${name(b)}`] ?? `rgb(${r},${g},${b})`;
        };
        return { width, height, corners: [at(0.25, 0.25), at(0.75, 0.25), at(0.25, 0.75), at(0.75, 0.75)] };
      };
      window.shownBase64 = (text, type) => window.shown(new Blob([b64(text)], { type }));
      window.fileBytes = async (file) => ({ name: file.name, type: file.type, size: file.size, base64: btoa(String.fromCharCode(...new Uint8Array(await file.arrayBuffer()))) });
    });
  });

  const send = (names, options = {}) =>
    s.page.evaluate(
      async (message, names, types, options, proxyUrl) => {
        const attachments = await Promise.all(names.map((n, i) => window.fixture(n, types[i])));
        return window.settle(window.updox.sendPatientDirectMessage({ ...message, attachments }, { proxyUrl, ...options }));
      },
      validMessage(),
      names,
      names.map(typeOf),
      options,
      proxyUrl,
    );

  const received = () => {
    const messages = s.dev.mock.messages();
    assert.equal(messages.length, 1, 'delivered once');
    return messages[0].attachments.map((a) => ({ ...a, bytes: Buffer.from(a.content, 'base64') }));
  };

  test('a phone JPEG reaches Updox without its metadata, its image data and ICC profile as they were, upright', async () => {
    const original = bytesOf('quadrants.jpg');
    const r = await send(['quadrants.jpg']);
    assert.ok(r.ok, JSON.stringify(r.error));
    assert.deepEqual(r.value.attachments[0].metadataRemoved, ['gps', 'exif', 'xmp', 'iptc', 'comment']);
    const [got] = received();
    assert.equal(r.value.attachments[0].size, got.bytes.length, 'the size reported is the size sent');
    assert.ok(got.bytes.length < original.length);
    const before = await exif(original, 'before.jpg');
    assert.ok(tagsLike(before, /GPS/).length > 0, 'the fixture has a location');
    const tags = await exif(got.bytes, 'sent.jpg');
    assert.deepEqual(tagsLike(tags, /GPS|^XMP|^IPTC|Make|Model|DateTimeOriginal|Comment/), []);
    assert.deepEqual(tagsLike(tags, /^IFD0:/), ['IFD0:Orientation'], 'a minimal EXIF with only the orientation');
    assert.equal(tags['IFD0:Orientation'], 6);
    assert.ok(Object.keys(tags).some((k) => k.startsWith('ICC')), 'ICC profile kept');
    assert.equal(tags['ICC-header:ProfileDescription'] ?? tags['ICC_Profile:ProfileDescription'], before['ICC-header:ProfileDescription'] ?? before['ICC_Profile:ProfileDescription']);
    assert.equal(sha(jpegScan(got.bytes)), sha(jpegScan(original)), 'scan data byte-identical');
    const shown = await s.page.evaluate((c) => window.shownBase64(c, 'image/jpeg'), got.content);
    assert.deepEqual(shown, { width: 48, height: 64, corners: ['blue', 'red', 'yellow', 'green'] });
  });

  test('a PNG reaches Updox without eXIf and text chunks, its image data and colour chunks kept', async () => {
    const original = bytesOf('quadrants.png');
    const r = await send(['quadrants.png']);
    assert.ok(r.ok, JSON.stringify(r.error));
    assert.deepEqual(r.value.attachments[0].metadataRemoved, ['gps', 'exif', 'xmp', 'text', 'time']);
    const [got] = received();
    const tags = await exif(got.bytes, 'sent.png');
    assert.deepEqual(tagsLike(tags, /GPS|^XMP|^ExifIFD|^PNG:(Title|ModifyDate)|Description/), []);
    assert.deepEqual(tagsLike(tags, /^IFD/), ['IFD0:Orientation'], 'a minimal eXIf with only the orientation');
    assert.ok(Object.keys(tags).some((k) => k.startsWith('ICC')), 'iCCP kept');
    assert.ok('PNG:Gamma' in tags, 'gAMA kept');
    assert.equal(sha(pngData(got.bytes)), sha(pngData(original)), 'IDAT byte-identical');
  });

  test('keepPhotoMetadata: true sends each photo byte for byte', async () => {
    const r = await send(['quadrants.jpg', 'quadrants.png'], { keepPhotoMetadata: true });
    assert.ok(r.ok, JSON.stringify(r.error));
    assert.deepEqual(r.value.attachments.map((a) => a.metadataRemoved), [[], []]);
    assert.deepEqual(received().map((a) => a.sha256), [sha(bytesOf('quadrants.jpg')), sha(bytesOf('quadrants.png'))]);
  });

  test('keepPhotoMetadata of another type is a validation issue, nothing sent', async () => {
    const r = await send(['quadrants.jpg'], { keepPhotoMetadata: 'yes' });
    assert.equal(r.ok, false);
    assert.equal(r.error.kind, 'validation');
    assert.deepEqual(r.error.issues.map((i) => i.rule), ['options.keepPhotoMetadata.invalid']);
    assert.equal(s.dev.mock.messages().length, 0);
  });

  test('malformed JPEGs and PNGs are sent as they are, with metadataRemoved null; other files untouched', async () => {
    const names = ['truncated.jpg', 'bad-length.jpg', 'truncated.png', 'bad-chunk.png'];
    const r = await send(names);
    assert.ok(r.ok, JSON.stringify(r.error));
    assert.deepEqual(r.value.attachments.map((a) => a.metadataRemoved), [null, null, null, null]);
    assert.deepEqual(received().map((a) => a.sha256), names.map((n) => sha(bytesOf(n))));
    s.dev.mock.reset();
    // The type comes from the bytes: a JPEG named .txt is stripped, a HEIC named .jpg is not.
    const renamed = await s.page.evaluate(async (message, proxyUrl) => {
      const jpeg = await window.fixture('quadrants.jpg', 'image/jpeg');
      const heic = await window.fixture('quadrants.heic', 'image/heic');
      const attachments = [new File([jpeg], 'notes.txt', { type: 'text/plain' }), new File([heic], 'photo.jpg', { type: 'image/jpeg' })];
      return window.settle(window.updox.sendPatientDirectMessage({ ...message, attachments }, { proxyUrl }));
    }, validMessage(), proxyUrl);
    assert.ok(renamed.ok, JSON.stringify(renamed.error));
    assert.deepEqual(renamed.value.attachments[0].metadataRemoved, ['gps', 'exif', 'xmp', 'iptc', 'comment']);
    assert.deepEqual(renamed.value.attachments[1].metadataRemoved, []);
    const [jpeg, heic] = received();
    assert.notEqual(jpeg.sha256, sha(bytesOf('quadrants.jpg')));
    assert.equal(heic.sha256, sha(bytesOf('quadrants.heic')));
  });

  test('the limits apply to the size sent', async () => {
    const original = bytesOf('quadrants.jpg');
    const first = await send(['quadrants.jpg']);
    const sent = first.value.attachments[0].size;
    s.dev.mock.reset();
    const limits = { maxAttachmentBytes: original.length, maxTotalAttachmentBytes: sent };
    const r = await send(['quadrants.jpg'], { limits });
    assert.ok(r.ok, `the stripped photo fits a total limit its original breaks: ${JSON.stringify(r.error)}`);
    const over = await send(['quadrants.jpg'], { limits: { ...limits, maxTotalAttachmentBytes: sent - 1 } });
    assert.equal(over.ok, false);
    assert.deepEqual(over.error.issues.map((i) => i.rule), ['attachments.total_too_large']);
  });

  test('encodeAttachment removes the metadata too, unless keepPhotoMetadata', async () => {
    const r = await s.page.evaluate(async () => {
      const file = await window.fixture('quadrants.jpg', 'image/jpeg');
      return [await window.settle(window.updox.encodeAttachment(file)), await window.settle(window.updox.encodeAttachment(file, { keepPhotoMetadata: true }))];
    });
    const [stripped, kept] = r.map((x) => x.value);
    assert.deepEqual(stripped.metadataRemoved, ['gps', 'exif', 'xmp', 'iptc', 'comment']);
    assert.deepEqual(kept.metadataRemoved, []);
    assert.equal(sha(Buffer.from(kept.content, 'base64')), sha(bytesOf('quadrants.jpg')));
    const bytes = Buffer.from(stripped.content, 'base64');
    assert.deepEqual(tagsLike(await exif(bytes, 'encoded.jpg'), /GPS|^XMP|^IPTC/), []);
    assert.equal(sha(jpegScan(bytes)), sha(jpegScan(bytesOf('quadrants.jpg'))));
  });

  test('inspectAttachment describes each fixture from its bytes', async () => {
    const found = await s.page.evaluate(async (names, types) => {
      const out = {};
      for (const [i, n] of names.entries()) {
        // The name and type given are wrong on purpose: the bytes decide.
        const file = new File([await window.fixture(n, types[i])], 'x.bin', { type: 'application/octet-stream' });
        out[n] = await window.updox.inspectAttachment(file);
      }
      return out;
    }, NAMES, NAMES.map(typeOf));
    const everything = ['gps', 'exif', 'xmp', 'iptc', 'comment'];
    assert.deepEqual(found['quadrants.jpg'], { type: 'image/jpeg', isPhoto: true, width: 48, height: 64, hasLocation: true, metadata: everything, viewableByClinics: true });
    assert.deepEqual(found['quadrants.png'], { type: 'image/png', isPhoto: true, width: 64, height: 48, hasLocation: true, metadata: ['gps', 'exif', 'xmp', 'text', 'time'], viewableByClinics: true });
    assert.equal(found['quadrants.heic'].type, 'image/heic');
    assert.equal(found['quadrants.heic'].isPhoto, true);
    assert.equal(found['quadrants.heic'].viewableByClinics, false);
    for (const n of ['truncated.jpg', 'bad-length.jpg']) assert.equal(found[n].type, 'image/jpeg', n);
    for (const n of ['truncated.png', 'bad-chunk.png']) assert.equal(found[n].type, 'image/png', n);
  });

  test('preparePhoto gives an upright JPEG within the edge and byte limits, without metadata', async () => {
    const small = await s.page.evaluate(async () => {
      const file = await window.updox.preparePhoto(await window.fixture('quadrants.jpg', 'image/jpeg'), { maxLongEdge: 32 });
      return { ...(await window.fileBytes(file)), shown: await window.shown(file) };
    });
    assert.equal(small.name, 'quadrants.jpg');
    assert.equal(small.type, 'image/jpeg');
    assert.deepEqual(small.shown, { width: 24, height: 32, corners: ['blue', 'red', 'yellow', 'green'] });
    const tags = await exif(Buffer.from(small.base64, 'base64'), 'prepared.jpg');
    assert.deepEqual(tagsLike(tags, /GPS|^XMP|^IPTC|^IFD|Comment/), []);
    // A noisy 2400×1800 photo drawn by the page, made to fit 150 kB.
    const fitted = await s.page.evaluate(async () => {
      const canvas = new OffscreenCanvas(2400, 1800);
      const ctx = canvas.getContext('2d');
      const img = ctx.createImageData(2400, 1800);
      let seed = 7;
      for (let i = 0; i < img.data.length; i += 1) img.data[i] = i % 4 === 3 ? 255 : (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
      ctx.putImageData(img, 0, 0);
      const big = new File([await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.95 })], 'IMG_0001.JPEG', { type: 'image/jpeg' });
      const file = await window.updox.preparePhoto(big, { maxLongEdge: 1600, maxBytes: 150_000 });
      const bitmap = await createImageBitmap(file);
      return { name: file.name, size: file.size, original: big.size, width: bitmap.width, height: bitmap.height };
    });
    assert.ok(fitted.original > 150_000, 'the original breaks the byte limit');
    assert.ok(fitted.size <= 150_000, `${fitted.size} bytes`);
    assert.ok(Math.max(fitted.width, fitted.height) <= 1600);
    assert.equal(fitted.name, 'IMG_0001.jpg');
  });

  test('preparePhoto on a HEIC: the typed error where the engine cannot decode it', async () => {
    const r = await s.page.evaluate(async () => {
      const heic = await window.fixture('quadrants.heic', 'image/heic');
      const result = await window.settle(window.updox.preparePhoto(heic));
      const es = await window.settle(window.updox.preparePhoto(heic, { locale: 'es' }));
      return { result: result.ok ? { type: result.value.type, shown: await window.shown(result.value) } : result, es };
    });
    // Chromium and Firefox cannot decode HEIC; WebKitGTK cannot either (Safari on Apple
    // systems can, and would convert it).
    assert.equal(r.result.ok, false, JSON.stringify(r.result));
    assert.equal(r.result.error.isUpdoxError, true);
    assert.equal(r.result.error.kind, 'validation');
    assert.equal(r.result.error.rule, 'attachments.cannot_convert');
    assert.match(r.result.error.message, /JPEG/);
    assert.equal(r.es.error.rule, 'attachments.cannot_convert');
    assert.match(r.es.error.message, /Guárdela primero como JPEG/);
  });

  test('preparePhoto refuses options out of range and what is no file', async () => {
    const r = await s.page.evaluate(async () => {
      const jpeg = await window.fixture('quadrants.jpg', 'image/jpeg');
      return {
        edge: await window.settle(window.updox.preparePhoto(jpeg, { maxLongEdge: 0 })),
        quality: await window.settle(window.updox.preparePhoto(jpeg, { quality: 'high' })),
        none: await window.settle(window.updox.preparePhoto('photo.jpg')),
        inspect: await window.settle(window.updox.inspectAttachment(null)),
      };
    });
    assert.equal(r.edge.error.rule, 'attachments.invalid');
    assert.equal(r.quality.error.rule, 'attachments.invalid');
    assert.equal(r.none.error.rule, 'file.required');
    assert.equal(r.inspect.error.rule, 'file.required');
  });
});
