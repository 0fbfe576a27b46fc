// What the consent widget costs a visitor, in bytes: the WASM, its JS glue and its CSS, each
// raw, gzip -9 and brotli -q 11, with the critical path (what must arrive before the banner can
// paint: the inline gate and the banner's CSS rules) shown on its own. Beside it, in the same
// run, the reference the budget names: vanilla-cookieconsent 3.1's JS and CSS.
//
//   node bench/widget_bytes.mjs [DIST]     (DIST defaults to dist/; build it with tools/build.sh)
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const dist = path.resolve(process.argv[2] ?? path.join(root, "dist"));
const CRITICAL_BUDGET = 1024; // DESIGN.md: gate plus banner CSS, brotli
const WIDGET_BUDGET = 20480; // issue 3: the whole widget, brotli

const sizes = (bytes) => ({
  raw: bytes.length,
  gzip: zlib.gzipSync(bytes, { level: 9 }).length,
  brotli: zlib.brotliCompressSync(bytes, {
    params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
  }).length,
});

const find = (re) => {
  const name = fs.readdirSync(dist).find((f) => re.test(f));
  if (!name) throw new Error(`no file matching ${re} in ${dist}: build the site first (bash tools/build.sh)`);
  return path.join(dist, name);
};

// Top-level CSS rules (recursing into @media), each with the selector it applies to.
function rules(css, wrap = (r) => r) {
  const out = [];
  let depth = 0, start = 0, head = "";
  for (let i = 0; i < css.length; i++) {
    const c = css[i];
    if (c === "{") {
      if (depth === 0) { head = css.slice(start, i).trim(); start = i + 1; }
      depth++;
    } else if (c === "}") {
      depth--;
      if (depth === 0) {
        const body = css.slice(start, i);
        if (head.startsWith("@media") || head.startsWith("@supports")) {
          out.push(...rules(body, (r) => `${head}{${wrap(r)}}`));
        } else {
          out.push({ selector: head, text: wrap(`${head}{${body}}`) });
        }
        start = i + 1;
      }
    }
  }
  return out;
}

const css = fs.readFileSync(find(/^style\.[0-9a-f]+\.css$/), "utf8").replace(/\/\*[\s\S]*?\*\//g, "");
const all = rules(css);
const isBanner = (s) => /sk-(banner|button|ask)\b/.test(s);
const isWidget = (s) => /[.#]sk-/.test(s);
const bannerCss = all.filter((r) => isBanner(r.selector)).map((r) => r.text).join("\n");
const dialogCss = all.filter((r) => isWidget(r.selector) && !isBanner(r.selector)).map((r) => r.text).join("\n");

const page = fs.readFileSync(path.join(dist, "index.html"), "utf8");
const gate = [...page.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]).find((s) => s.includes("sk-ask"));
if (!gate) throw new Error("no gate script in index.html");

const rows = [
  ["wasm", fs.readFileSync(find(/^samtykke\.[0-9a-f]+\.wasm$/))],
  ["JS glue", fs.readFileSync(find(/^samtykke\.[0-9a-f]+\.js$/))],
  ["banner CSS", Buffer.from(bannerCss)],
  ["preferences CSS", Buffer.from(dialogCss)],
  ["gate (inline)", Buffer.from(gate)],
].map(([name, bytes]) => [name, sizes(bytes)]);
const total = (names) => rows.filter(([n]) => names.includes(n)).reduce(
  (t, [, s]) => ({ raw: t.raw + s.raw, gzip: t.gzip + s.gzip, brotli: t.brotli + s.brotli }),
  { raw: 0, gzip: 0, brotli: 0 });
const critical = sizes(Buffer.from(gate + bannerCss));
// DESIGN.md counts the widget as WASM, glue and banner CSS; the preferences' CSS and the gate
// are shown beside it so nothing the widget adds goes uncounted.
const widget = total(["wasm", "JS glue", "banner CSS"]);
const everything = total(["wasm", "JS glue", "banner CSS", "preferences CSS", "gate (inline)"]);

const ref = path.join(root, "bench/cache/npm/node_modules/vanilla-cookieconsent/dist");
const reference = fs.existsSync(ref)
  ? sizes(Buffer.concat(["cookieconsent.umd.js", "cookieconsent.css"].map((f) => fs.readFileSync(path.join(ref, f)))))
  : null;

const line = (name, s) => `${name.padEnd(42)}${String(s.raw).padStart(9)}${String(s.gzip).padStart(9)}${String(s.brotli).padStart(9)}`;
console.log(`${"".padEnd(42)}${"raw".padStart(9)}${"gzip".padStart(9)}${"brotli".padStart(9)}`);
for (const [name, s] of rows) console.log(line(name, s));
console.log(line("critical path: gate + banner CSS", critical) + `   budget ${CRITICAL_BUDGET} brotli: ${critical.brotli <= CRITICAL_BUDGET ? "met" : "MISSED"}`);
console.log(line("widget: wasm + glue + banner CSS", widget) + `   budget ${WIDGET_BUDGET} brotli: ${widget.brotli <= WIDGET_BUDGET ? "met" : "MISSED"}`);
console.log(line("all of it, with preferences CSS and gate", everything));
if (reference) {
  console.log(line("vanilla-cookieconsent 3.1 (umd.js + css)", reference) +
    `   samtykke/reference: ${(widget.brotli / reference.brotli).toFixed(2)}`);
} else {
  console.log("vanilla-cookieconsent 3.1: not in bench/cache (bash bench/run.sh fetches it)");
}
