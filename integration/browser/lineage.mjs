// Drives the console's record lineage views in headless Chromium: search a
// RecordId, follow it to its object, from the object to its records and
// invocation, from the Lambda page's invocation to its records, see a
// failed record's reason and the failed list, and an unknown RecordId.
//
//   node lineage.mjs http://127.0.0.1:PORT OK_ID DROPPED_ID FAILED_ID
//
// Run by integration/console_test.go (TestConsoleLineageBrowser), which
// puts the records through a Lambda transform first. Exits non-zero on the
// first failed step, saying which.
import { launchChromium } from "./launch.mjs";

const [base, okID, droppedID, failedID] = process.argv.slice(2);
if (!base || !failedID) {
  console.error("usage: node lineage.mjs BASE_URL OK_ID DROPPED_ID FAILED_ID");
  process.exit(2);
}
const ui = base.replace(/\/$/, "") + "/_local/ui";

function step(name) {
  console.log("step:", name);
}

async function text(locator) {
  await locator.waitFor();
  return (await locator.textContent()).trim();
}

function expect(what, got, want) {
  if (!got.includes(want)) throw new Error(`${what}: ${JSON.stringify(got)} does not contain ${JSON.stringify(want)}`);
}

async function search(page, id) {
  await page.goto(ui + "/streams");
  await page.getByRole("link", { name: "Records", exact: true }).click();
  await page.locator('#record-search input[name="id"]').fill(id);
  await page.getByRole("button", { name: "Trace" }).click();
}

const browser = await launchChromium();
let failed = false;
try {
  const context = await browser.newContext({ viewport: { width: 1360, height: 820 } });
  await context.route((url) => !url.href.startsWith(base), (route) => route.abort());
  const page = await context.newPage();
  const pageErrors = [];
  page.on("pageerror", (e) => pageErrors.push(String(e)));
  page.setDefaultTimeout(15000);

  step("search an Ok record: delivered, with its invocation");
  await search(page, okID);
  expect("state", await text(page.locator("#record-state")), "delivered");
  expect("invocation", await text(page.locator("#record-invocation")), "upper: Ok");
  const requestID = await text(page.locator("#record-invocation a.request-id").first());

  step("follow it to its object, which lists its records and invocation");
  await page.locator("#record-where a").click();
  await page.locator("#object-lineage").waitFor();
  if ((await page.locator(`#object-lineage a.record-id[title="${okID}"]`).count()) !== 1) throw new Error("the object does not link to the record");
  expect("the object's invocations", await text(page.locator("#group-invocations")), requestID);

  step("from the object to the invocation: every record and where they went");
  await page.locator("#group-invocations a.request-id").first().click();
  for (const id of [okID, droppedID, failedID]) {
    if ((await page.locator(`#group-records a.record-id[title="${id}"]`).count()) !== 1) throw new Error("the invocation does not list record " + id);
  }
  expect("the invocation's objects", await text(page.locator("#group-objects")), "errors/processing-failed/");

  step("the Lambda page's invocation links to its records");
  await page.getByRole("link", { name: "Lambda", exact: true }).click();

  step("an expanded log spans the table and leaves the columns' widths alone");
  const table = page.locator("table.invocations").first();
  const widths = () => table.locator("thead th").evaluateAll((ths) => ths.map((th) => Math.round(th.getBoundingClientRect().width)));
  const before = await widths();
  await table.locator("tr.log-row summary").first().click();
  const log = table.locator("tr.log-row pre.log").first();
  await log.waitFor();
  const after = await widths();
  if (JSON.stringify(before) !== JSON.stringify(after)) throw new Error(`opening the log changed the columns' widths: ${before} -> ${after}`);
  const logWidth = (await log.boundingBox()).width, tableWidth = (await table.boundingBox()).width;
  if (logWidth < 0.9 * tableWidth) throw new Error(`the log is ${logWidth}px wide in a ${tableWidth}px table`);

  await page.locator("a.invocation-records").first().click();
  if ((await page.locator(`#group-records a.record-id[title="${failedID}"]`).count()) !== 1) throw new Error("the Lambda page's invocation link does not list the records");

  step("a dropped and a failed record say so");
  await search(page, droppedID);
  expect("dropped state", await text(page.locator("#record-state")), "dropped");
  await search(page, failedID);
  expect("failed state", await text(page.locator("#record-state")), "failed: Lambda.ProcessingFailedStatus");
  expect("failed record's place", await text(page.locator("#record-where")), "error output (processing-failed)");

  step("the failed list");
  await page.getByRole("link", { name: "Records", exact: true }).click();
  const row = page.locator("#failed-records tbody tr");
  if ((await row.count()) !== 1) throw new Error(`${await row.count()} failed records listed, want 1`);
  expect("failed row", await text(row), "Lambda.ProcessingFailedStatus");

  step("an unknown RecordId");
  await search(page, "no-such-record");
  expect("not found", await text(page.locator("#record-not-found")), "never issued");

  if (pageErrors.length) throw new Error("errors in the page: " + pageErrors.join("; "));
  console.log("ok: lineage views");
} catch (e) {
  failed = true;
  console.error("FAILED:", e && e.stack ? e.stack : e);
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
