// Plays the web pages an attacker could open in the developer's browser
// while firehose-local runs, in headless Chromium:
//
//   1. a page on another origin (ATTACK_URL, another local address) that
//      tries every API with fetch, forms and script tags;
//   2. the same page under a name re-pointed at 127.0.0.1 (DNS rebinding):
//      Chromium resolves REBIND_HOST to 127.0.0.1, and the page's first load
//      is answered with the attacker's HTML, as a rebinding attack's is;
//   3. an HTML object in the built-in S3, opened on the server's origin.
//
//   node attack.mjs EMULATOR_URL ATTACK_URL REBIND_HOST
//
// Run by integration/browser_attack_test.go, which checks that nothing was
// created, invoked, read or written. Prints one JSON line: what each page
// saw.
import { launchChromium } from "./launch.mjs";

const [emu, attackURL, rebindHost] = process.argv.slice(2);
if (!emu || !attackURL || !rebindHost) {
  console.error("usage: node attack.mjs EMULATOR_URL ATTACK_URL REBIND_HOST");
  process.exit(2);
}
const emuPort = new URL(emu).port;
const rebindOrigin = `http://${rebindHost}:${emuPort}`;

const browser = await launchChromium([
  `--host-resolver-rules=MAP ${rebindHost} 127.0.0.1`,
  // Chromium's own protections for local addresses are turned off, so that
  // only the emulator's defend it.
  "--disable-features=PrivateNetworkAccessSendPreflights,PrivateNetworkAccessRespectPreflightResults,BlockInsecurePrivateNetworkRequests,LocalNetworkAccessChecks",
]);

async function runAttackPage(context, url) {
  const page = await context.newPage();
  page.setDefaultTimeout(30000);
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(url);
  await page.waitForFunction(() => window.__done === true);
  const results = await page.evaluate(() => window.__results);
  await page.close();
  return { results, errors };
}

const out = {};
try {
  // Each page gets a context of its own. Only the rebinding page's routes
  // requests: while Playwright intercepts a context's requests it answers
  // CORS preflights itself, which would let the other pages skip them.
  // 1. Another origin.
  const crossContext = await browser.newContext();
  out.crossOrigin = await runAttackPage(crossContext, `${attackURL}?emu=${encodeURIComponent(emu)}`);

  // 2. DNS rebinding: the attacker's server answers the first load of the
  // page; its requests that follow reach the emulator under the same name.
  const html = await (await fetch(attackURL)).text();
  const rebindContext = await browser.newContext();
  await rebindContext.route(`${rebindOrigin}/attack.html*`, (route) =>
    route.fulfill({ status: 200, contentType: "text/html", body: html }),
  );
  out.rebinding = await runAttackPage(rebindContext, `${rebindOrigin}/attack.html?emu=`);

  // 3. An uploaded HTML page opened on the emulator's origin.
  const page = await (await browser.newContext()).newPage();
  const sent = [];
  page.on("request", (r) => sent.push(r.method() + " " + r.url()));
  await page.goto(`${emu}/victim/xss.html`, { waitUntil: "load" });
  out.storedXSS = { title: await page.title(), requests: sent };
} catch (e) {
  out.failure = String(e && e.stack ? e.stack : e);
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
