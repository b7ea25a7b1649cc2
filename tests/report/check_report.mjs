// Loads a stems report.html in Debian's headless Chromium (playwright-core) and checks it:
// no console errors or page errors, every plot rendered, and the expected number of points per
// plot, counted in the DOM that plotly drew (SVG points / bars), not in our own bookkeeping.
//   node tests/report/check_report.mjs REPORT.html EXPECT.json [SCREENSHOT.png]
// EXPECT.json: {"plots": N, "points": {"<plot id>": count, ...}, "text": ["must appear", ...]}
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { pathToFileURL, fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, "../../src/report/web/package.json"));
const { chromium } = require("playwright-core");

const [report, expectPath, screenshot] = process.argv.slice(2);
const expect = JSON.parse(readFileSync(expectPath, "utf8"));
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const errors = [];
let failed = false;
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on("console", (m) => { if (m.type() === "error") errors.push("console: " + m.text()); });
  page.on("pageerror", (e) => errors.push("page error: " + e.message));
  page.on("requestfailed", (r) => errors.push("request failed: " + r.url()));
  await page.goto(pathToFileURL(path.resolve(report)).href, { waitUntil: "load" });
  await page.waitForFunction(() => Array.isArray(window.STEMS_RENDERED), null, { timeout: 30000 });
  const counts = await page.evaluate(() => {
    const out = {};
    for (const div of document.querySelectorAll("div.plot")) {
      out[div.id] = div.querySelectorAll(
        ".scatterlayer .point, .barlayer .point, .scatterlayer .js-line").length;
    }
    return out;
  });
  const plots = Object.keys(counts).length;
  console.log(JSON.stringify({ plots, counts }));
  if (expect.plots !== undefined && plots !== expect.plots) {
    errors.push(`expected ${expect.plots} plots, found ${plots}`);
  }
  for (const [id, n] of Object.entries(expect.points || {})) {
    if (counts[id] !== n) errors.push(`plot ${id}: expected ${n} points, found ${counts[id]}`);
  }
  const text = await page.evaluate(() => document.body.textContent);
  for (const t of expect.text || []) {
    if (!text.includes(t)) errors.push(`the page does not show "${t}"`);
  }
  for (const [id, n] of Object.entries(counts)) {
    if (n === 0) errors.push(`plot ${id} drew nothing`);
  }
  if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
} catch (e) {
  errors.push(String(e));
} finally {
  await browser.close();
}
for (const e of errors) { console.error(e); failed = true; }
process.exit(failed ? 1 : 0);
