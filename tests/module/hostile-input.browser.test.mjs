// "Bad input" from JavaScript: the hostile-input table
// (tests/support/hostile-table.mjs) through validatePatientDirectMessage,
// sendPatientDirectMessage, encodeAttachment, checkDirectRecipient, patientSender and
// isValidDirectAddress of the built module in each browser engine. Each call must answer with its typed result (issue
// list, boolean, value) or an UpdoxError of kind "validation" — never another exception, a
// wasm trap or a hang — and a valid call must still work after each one. Rejected sends
// must not make a request. Hostile sizes too: Blobs claiming any size, lists longer than the
// module reads (never dropped: an issue).
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { runHostileTable } from '../support/hostile-table.mjs';
import { getJson } from '../support/http.mjs';
import { selectedEngines } from '../support/engines.mjs';
import { useServers } from '../support/servers.mjs';

const APIS = ['validatePatientDirectMessage', 'sendPatientDirectMessage', 'encodeAttachment', 'checkDirectRecipient', 'patientSender', 'isValidDirectAddress'];

for (const engineName of selectedEngines()) describe(`hostile input through the public API [${engineName}]`, () => {
  const s = useServers({ engine: engineName, faults: true, modulePage: true, open: true });
  let faults;
  let page;
  let outcome;
  let postsBefore;
  let postsAfter;
  before(async () => {
    ({ faults, page } = s);
    postsBefore = (await getJson(`${faults.url}/count`)).posts;
    outcome = await runHostileTable(page, { proxyUrl: `${faults.url}/echo` });
    postsAfter = (await getJson(`${faults.url}/count`)).posts;
  });

  for (const api of APIS) {
    test(api, (t) => {
      const rows = outcome.rows.filter((r) => r.api === api);
      const bad = rows.filter((r) => r.problem);
      t.diagnostic(`${rows.length} inputs tried, slowest ${Math.max(...rows.map((r) => r.ms))} ms`);
      assert.ok(rows.length > 20, 'the table ran');
      assert.deepEqual(
        bad.map((r) => `${r.label}: ${r.problem}`),
        [],
      );
    });
  }

  test('only the sends and lookups that passed validation made a request', () => {
    assert.equal(postsAfter - postsBefore, outcome.sendsPassed);
  });

  test('no uncaught page error', async (t) => {
    const errors = (await page.consoleEntries()).filter((e) => e.type === 'pageerror');
    t.diagnostic(`inputs tried: ${outcome.rows.length}`);
    console.log(`inputs tried: ${outcome.rows.length}`);
    assert.deepEqual(errors, []);
  });
});
