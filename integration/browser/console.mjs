// Drives the firehose-local web console in headless Chromium, the way a
// person would: create a stream with the form, send demo data, stop it,
// flush, browse the S3 bucket to the delivered object and check that a
// ticker record shows in the preview.
//
//   node console.mjs http://127.0.0.1:PORT SCREENSHOT.png
//
// Run by integration/console_browser_test.go. Exits non-zero on the first
// failed step, saying which.
import { launchChromium } from "./launch.mjs";

const [base, screenshot] = process.argv.slice(2);
if (!base || !screenshot) {
  console.error("usage: node console.mjs BASE_URL SCREENSHOT_PATH");
  process.exit(2);
}
const ui = base.replace(/\/$/, "") + "/_local/ui";
const stream = "ticker-demo";
const bucket = "console-demo";

function step(name) {
  console.log("step:", name);
}

async function expectFlash(page, text) {
  const flash = page.locator(".flash.ok");
  await flash.waitFor({ timeout: 10000 });
  const got = await flash.textContent();
  if (!got.includes(text)) {
    const err = await page.locator(".flash.err").allTextContents();
    throw new Error(`expected a message containing ${JSON.stringify(text)}, got ${JSON.stringify(got)} ${JSON.stringify(err)}`);
  }
}

const browser = await launchChromium();
let failed = false;
try {
  const context = await browser.newContext({ viewport: { width: 1360, height: 820 } });
  // Nothing but the emulator may be reached.
  await context.route((url) => !url.href.startsWith(base), (route) => route.abort());
  const page = await context.newPage();
  const pageErrors = [];
  page.on("pageerror", (e) => pageErrors.push(String(e)));
  page.on("console", (m) => {
    if (m.type() === "error") pageErrors.push(m.text());
  });
  page.setDefaultTimeout(15000);

  step("create a stream with the form");
  await page.goto(ui + "/streams");
  await page.getByRole("link", { name: "Create delivery stream" }).click();
  await page.locator('input[name="name"]').fill(stream);
  await page.locator('input[name="bucket"]').fill(bucket);
  await page.locator('input[name="create_bucket"]').check();
  await page.locator('input[name="prefix"]').fill("ticks/");
  await page.locator('input[name="size_mb"]').fill("1");
  await page.locator('input[name="interval_s"]').fill("300");
  await page.locator('select[name="compression"]').selectOption("GZIP");
  await page.getByRole("button", { name: "Create delivery stream" }).click();
  await expectFlash(page, `Created delivery stream ${stream}.`);
  await page.locator(`tr[id="stream-us-east-1-${stream}"]`).waitFor();

  step("the API's validation shows on the form");
  await page.goto(ui + "/streams/new");
  await page.locator('input[name="name"]').fill(stream);
  await page.locator('input[name="bucket"]').fill(bucket);
  await page.getByRole("button", { name: "Create delivery stream" }).click();
  const dup = await page.locator(".flash.err").textContent();
  if (!dup.includes("ResourceInUseException")) throw new Error("creating the stream twice: " + dup);
  pageErrors.length = 0; // Chromium logs the form's 400 answer as an error

  step("start demo data");
  await page.getByRole("link", { name: "Demo data" }).first().click();
  await page.locator('select[name="stream"]').selectOption(`us-east-1/${stream}`);
  await page.locator('input[name="rate"]').fill("25");
  await page.getByRole("button", { name: "Start sending demo data" }).click();
  await expectFlash(page, `Sending 25 demo records per second to ${stream}.`);
  // The live refresh updates the counter in place.
  await page.waitForFunction(() => {
    const cell = document.querySelector("td.sent");
    return cell && Number(cell.textContent.trim()) >= 20;
  }, null, { timeout: 20000 });

  step("the streams page shows the buffer filling");
  await page.goto(ui + "/streams");
  const row = page.locator(`tr[id="stream-us-east-1-${stream}"]`);
  await row.locator(".badge", { hasText: "demo data running" }).waitFor();
  const before = Number(await row.locator(".records").textContent());
  await page.waitForFunction(
    ([sel, n]) => Number(document.querySelector(sel).textContent) > n,
    [`tr[id="stream-us-east-1-${stream}"] .records`, before],
    { timeout: 10000 },
  );
  // The picture for the README: just the page's content.
  await page.setViewportSize({ width: 1280, height: 240 });
  await page.screenshot({ path: screenshot, fullPage: true });
  await page.setViewportSize({ width: 1360, height: 820 });

  step("stop the demo");
  await page.goto(ui + "/demo");
  await page.getByRole("button", { name: "Stop" }).click();
  await expectFlash(page, `Stopped the demo for ${stream}.`);
  const sent = Number(await page.locator("td.sent").textContent());
  if (!(sent >= 20)) throw new Error("records sent after stopping: " + sent);

  step("flush the stream");
  await page.goto(ui + "/streams");
  await row.getByRole("button", { name: "Flush" }).click();
  await expectFlash(page, `Flushed ${stream}: 1 batch.`);
  const left = Number(await row.locator(".records").textContent());
  if (left !== 0) throw new Error(`${left} records still buffered after the flush`);

  step("browse S3 to the delivered object");
  await page.getByRole("link", { name: "S3", exact: true }).click();
  await page.getByRole("link", { name: bucket }).click();
  await page.getByRole("link", { name: "ticks/" }).click();
  // ticks/YYYY/MM/dd/HH/: follow the folders down to the object.
  for (let depth = 0; depth < 4; depth++) {
    await page.locator("tr.folder a").first().click();
  }
  const objects = page.locator("table.objects tbody tr:not(.folder) a");
  if ((await objects.count()) !== 1) throw new Error(`expected one object, found ${await objects.count()}`);
  await objects.first().click();

  step("the preview shows ticker records, decompressed");
  await page.locator("dd", { hasText: "GZIP: shown decompressed" }).waitFor();
  // Newline-delimited JSON is shown compact by default: one line per record.
  const first = page.locator("pre.compact .record").first();
  await first.waitFor();
  const text = await first.textContent();
  const rec = JSON.parse(text);
  for (const k of ["ticker_symbol", "sector", "change", "price"]) {
    if (!(k in rec)) throw new Error(`record without ${k}: ${text}`);
  }
  const count = await page.locator("pre.compact .record").count();
  if (count !== sent) throw new Error(`the object holds ${count} records, the demo sent ${sent}`);
  const box = await first.boundingBox();
  const lineHeight = await first.evaluate((el) => parseFloat(getComputedStyle(el.parentElement).lineHeight) || 20);
  if (!box || box.height > 1.5 * lineHeight) throw new Error(`a compact record is ${box && box.height}px high, more than one line (${lineHeight}px)`);

  step("toggle to the pretty-printed view and back");
  await page.locator("a.view-toggle", { hasText: "pretty-print" }).click();
  await page.locator("pre.record").first().waitFor();
  const pretty = await page.locator("pre.record").count();
  if (pretty !== sent) throw new Error(`the pretty view shows ${pretty} records, the demo sent ${sent}`);
  const prettyText = await page.locator("pre.record").first().textContent();
  if (prettyText.split("\n").length < 4) throw new Error(`the pretty view is not pretty-printed: ${prettyText}`);
  await page.locator("a.view-toggle", { hasText: "one per line" }).click();
  await page.locator("pre.compact .record").first().waitFor();

  if (pageErrors.length) throw new Error("errors in the page: " + pageErrors.join("; "));
  console.log(`ok: ${count} ticker records delivered and previewed`);
} catch (e) {
  failed = true;
  console.error("FAILED:", e && e.stack ? e.stack : e);
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
