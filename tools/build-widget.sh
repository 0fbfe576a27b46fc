#!/usr/bin/env bash
# Builds the consent widget for the browser into target/widget/:
#   samtykke.js        ES module (wasm-bindgen --target web); its default export is init()
#   samtykke_bg.wasm   the module, shrunk by wasm-opt -Oz
# and prints raw, gzip and brotli sizes. The generator fingerprints both and starts them with
#   import init from "/samtykke.<hash>.js"; init({module_or_path: "/samtykke.<hash>.wasm"});
# With --smoke it then loads the result in headless Chromium under a strict CSP and checks it runs.
# With --commit it also copies both files into widget/compiled/ (the crate the `samtykke` binary
# embeds them from) and writes widget/compiled/BUILD.toml: the toolchain's versions and the hash of
# the widget's inputs (tools/widget-inputs.sh). tools/check-widget.sh rebuilds and compares.
#
# Needs the toolchain from tools/setup-toolchain.sh ($SAMTYKKE_TOOLCHAIN, default
# /opt/samtykke-toolchain). Knobs: CARGO_TARGET_DIR (cargo's, honoured), SAMTYKKE_WIDGET_OUT
# (output directory, default target/widget), SAMTYKKE_WIDGET_MAX_BROTLI (fail above this many
# bytes for wasm + glue together; the default is just above what this build reaches, see below,
# so that growth is a decision rather than drift; DESIGN.md's hard limit is 20480).
set -euo pipefail
SAMTYKKE_LOG_TAG=build-widget
case "${1:-}" in "" | --smoke | --commit) ;; *) echo "usage: $0 [--smoke | --commit]" >&2; exit 2 ;; esac
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
root=$(samtykke_repo_root)
prefix=$(samtykke_prefix)
[ -f "$prefix/env.sh" ] || die "no toolchain in $prefix; run: bash tools/setup-toolchain.sh"
# shellcheck source=/dev/null
. "$prefix/env.sh"
for tool in wasm-cargo wasm-bindgen wasm-opt node; do
  command -v "$tool" >/dev/null || die "$tool not found (toolchain in $prefix incomplete?)"
done

cd "$root"
target_dir=${CARGO_TARGET_DIR:-target}
case "$target_dir" in /*) ;; *) target_dir=$root/$target_dir ;; esac
out=${SAMTYKKE_WIDGET_OUT:-$root/target/widget}

# std from source, when the toolchain has it: Debian's rustc-web always (its wasm-cargo already
# passes -Zbuild-std), rustup's with the rust-src component. It is then built with this profile
# and -Cpanic=immediate-abort: a panic traps on the spot instead of running std's panic hook and
# formatting its message first. On wasm32-unknown-unknown that hook has nowhere to write (std's
# panic output there is None), so the widget behaves the same, and std's panic and formatting
# machinery, about 1.7 KB brotli, is no longer reachable. RUSTC_BOOTSTRAP is what lets a stable
# compiler take -Zbuild-std and the unstable flag, as in the Debian mode. Without std's source the
# prebuilt std is linked, and the widget is bigger.
build_std=()
if [ "${SAMTYKKE_WASM_MODE:-}" = debian ]; then
  std_source=yes
elif [ -f "$(rustc --print sysroot)/lib/rustlib/src/rust/library/std/Cargo.toml" ]; then
  std_source=yes build_std=("-Zbuild-std=std,panic_abort")
else
  std_source=no
  warn "rustup's rust-src component is missing, so std's panic machinery stays in the widget" \
    "(about 1.7 KB brotli); add it with: rustup component add rust-src"
fi
# The budget for wasm + glue, brotli: just above what each kind of build reaches. It rose by about
# 760 bytes when the widget began to start only the sources the generator declares for each
# optional category (issue 9's defence in depth: a gated element of the necessary category, or
# with an undeclared source, never starts); the size work of the performance issue comes after.
# Issue 11 added about 480 bytes: embeds (the iframe created on consent and removed on
# withdrawal, only for an origin the configuration lists), the placeholder's one-category grant,
# and script attributes (async, type=module).
# Issue 15 added about 1,700 more for receipts (the receipt body, the retry on the next page
# view, the id kept across a change, «Samtykke-ID» in the preferences), code that runs only
# when the site names a receipts service.
if [ "$std_source" = yes ]; then default_max=16750; else default_max=18450; fi
max_brotli=${SAMTYKKE_WIDGET_MAX_BROTLI:-$default_max}

# The same bytes from any checkout: the paths of the repository, cargo's registry and the standard
# library's source end up in the module (panic locations, debug sections before wasm-opt strips
# them), so each is mapped to a fixed name. tools/check-widget.sh relies on this to compare a fresh
# build with the committed one.
cargo_home=${CARGO_HOME:-$HOME/.cargo}
sysroot=$(rustc --print sysroot)
remap="--remap-path-prefix=$root=/samtykke --remap-path-prefix=$cargo_home=/cargo --remap-path-prefix=$sysroot=/rustc"
# wasm-cargo is cargo aimed at wasm32; in the toolchain's debian mode it is Debian's rustc-web with
# -Zbuild-std. The artifact path is the same in every case.
log "cargo build --profile widget (mode ${SAMTYKKE_WASM_MODE:-?}, std from source: $std_source)"
# The profile's `strip = true` would also drop the target_features section that wasm-bindgen reads
# to emit reference-types glue; wasm-opt below drops names and custom sections anyway.
if [ "$std_source" = yes ]; then
  RUSTC_BOOTSTRAP=1 CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort $remap" \
    CARGO_PROFILE_WIDGET_STRIP=false wasm-cargo build "${build_std[@]}" -p samtykke-widget --profile widget \
    --target wasm32-unknown-unknown
else
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="$remap" \
    CARGO_PROFILE_WIDGET_STRIP=false wasm-cargo build -p samtykke-widget --profile widget --target wasm32-unknown-unknown
fi
wasm=$target_dir/wasm32-unknown-unknown/widget/samtykke_widget.wasm
[ -f "$wasm" ] || die "cargo finished but $wasm is missing"

# Assemble in a scratch directory and move into place at the end, so that a failed step never
# leaves a glue file paired with a module from another build.
tmp=$(mktemp -d "$target_dir/.widget-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
log "wasm-bindgen --target web"
# --omit-default-module-path: the generator always passes {module_or_path}, so the glue needs no
# `new URL(..., import.meta.url)` fallback. --encode-into always: every browser that runs this
# module (reference types: Safari 15+) has TextEncoder.encodeInto, so the fallback is dead weight.
wasm-bindgen --target web --no-typescript --omit-default-module-path --encode-into always \
  --out-dir "$tmp" --out-name samtykke "$wasm"

# The generator ships two files, so the one snippet (widget/src/browser/page.js) goes into
# samtykke.js. The glue imports it several ways (named, and `* as importN` for functions the wasm
# imports directly); every one of them becomes the same object, built by a closure over the
# snippet's text so that none of its names can collide with the glue's. Any other shape fails.
log "inlining page.js into samtykke.js"
node - "$tmp" <<'JS'
const fs = require("fs"), path = require("path");
const dir = process.argv[2], gluePath = path.join(dir, "samtykke.js");
const fail = (m) => { console.error("build-widget: " + m); process.exit(1); };
const snippets = [];
(function walk(d) {
  if (!fs.existsSync(d)) return;
  for (const e of fs.readdirSync(d, { withFileTypes: true }))
    e.isDirectory() ? walk(path.join(d, e.name)) : snippets.push(path.join(d, e.name));
})(path.join(dir, "snippets"));
if (snippets.length !== 1 || !snippets[0].endsWith("/src/browser/page.js"))
  fail("expected exactly snippets/*/src/browser/page.js, found: " + snippets.join(" "));
const source = fs.readFileSync(snippets[0], "utf8");
const exported = [...source.matchAll(/^export (?:function|const) (\w+)/gm)].map((m) => m[1]);
// Whole-line comments only: a `//` inside a line may be part of a string.
const body = source.split("\n").filter((l) => !/^\s*\/\//.test(l)).map((l) => l.trim())
  .filter(Boolean).join("\n").replace(/^export (function|const) /gm, "$1 ");
if (/^(export|import) /m.test(body)) fail("page.js may hold only `export function` and `export const`");
const page = "\0page";
let glue = fs.readFileSync(gluePath, "utf8")
  .replace(/^import \{ ([\w, ]+) \} from '\.\/snippets\/[^']+\/src\/browser\/page\.js';$/m,
           (_, names) => `const { ${names} } = ${page};`)
  .replace(/^import \* as (import\d+) from "\.\/snippets\/[^"]+\/src\/browser\/page\.js";?$/gm,
           (_, name) => `const ${name} = ${page};`);
if (/^import /m.test(glue)) fail("samtykke.js imports something besides page.js");
const object = `__samtykke_page`;
if (glue.includes(object)) fail(`${object} is taken`);
glue = `const ${object} = (() => {\n${body}\nreturn { ${exported.join(", ")} };\n})();\n` +
  glue.split(page).join(object);
// wasm-bindgen's loader accepts a URL, a Request, a Response, bytes or a compiled module, in two
// call forms (one deprecated), synchronously or not. The generator makes one call,
// `init({module_or_path: "/samtykke.<hash>.wasm"})`, so the loader becomes just that: fetch,
// instantiate (streaming, or from the bytes when the server's Content-Type is not
// application/wasm), finish wasm-bindgen's own way; as wasm-bindgen's, it runs once, and again
// after a failure. Its version is pinned, so the loader it replaces is checked by its
// declarations.
// (The last name checked is the first one the export line names.)
const loader = glue.indexOf("\nasync function __wbg_load(");
const declared = (text) => [...text.matchAll(/^(?:async function|function|let|const|export) *\{? *(\w+)/gm)]
  .map((m) => m[1]).join(" ");
if (loader < 0 || declared(glue.slice(loader)) !== "__wbg_load initSync __wbg_init_promise __wbg_init __wbg_init_once initSync")
  fail("wasm-bindgen's loader is not the one this script replaces: " + (loader < 0 ? "none" : declared(glue.slice(loader))));
if (!/^function __wbg_finalize_init\(instance, module\) \{$/m.test(glue) || !/^function __wbg_get_imports\(\) \{$/m.test(glue))
  fail("wasm-bindgen's __wbg_finalize_init or __wbg_get_imports changed");
glue = glue.slice(0, loader) + `
let __wbg_init_promise;
function __wbg_init({ module_or_path }) {
    return __wbg_init_promise ||= (async () => {
        const imports = __wbg_get_imports(), response = fetch(module_or_path);
        let result;
        try {
            result = await WebAssembly.instantiateStreaming(response, imports);
        } catch (e) {
            const r = await response;
            if (!r.ok || r.headers.get("Content-Type") == "application/wasm") throw e;
            console.warn("samtykke: serve .wasm as application/wasm", e);
            result = await WebAssembly.instantiate(await r.arrayBuffer(), imports);
        }
        return __wbg_finalize_init(result.instance, result.module);
    })().catch((e) => {
        __wbg_init_promise = undefined;
        throw e;
    });
}
export { __wbg_init as default };
`;
fs.writeFileSync(gluePath, glue);
fs.rmSync(path.join(dir, "snippets"), { recursive: true });
JS

# wasm-bindgen drops the target_features section after reading it, so wasm-opt must be told what
# rustc's default wasm32 target emits (rustc --print cfg --target wasm32-unknown-unknown): exactly
# these, so that the optimiser introduces nothing newer than the browsers rustc already targets.
features=(--enable-bulk-memory --enable-bulk-memory-opt --enable-multivalue --enable-mutable-globals
  --enable-nontrapping-float-to-int --enable-reference-types --enable-sign-ext
  --enable-call-indirect-overlong)
# --converge repeats -Oz until it stops gaining. --low-memory-unused lets it fold constant offsets
# into loads and stores: Rust puts the stack below its data and lets it grow down from 1 MiB, so
# the lowest KiB is touched only by a stack already about to overflow.
log "wasm-opt -Oz"
wasm-opt -Oz --converge --low-memory-unused --strip-debug --strip-producers "${features[@]}" \
  "$tmp/samtykke_bg.wasm" -o "$tmp/samtykke_bg.opt.wasm"

# wasm-bindgen names every import like __wbg_getItem_49556a3e59cfb688 and the glue repeats each
# name: about 2 KB of near-random text in two files. wasm-opt renames imports, exports and modules
# to one or two letters and prints the mapping, which the next step applies to the glue.
log "wasm-opt --minify-imports-and-exports-and-modules"
wasm-opt "${features[@]}" --minify-imports-and-exports-and-modules --strip-target-features \
  "$tmp/samtykke_bg.opt.wasm" -o "$tmp/samtykke_bg.wasm" > "$tmp/names.json"

log "renaming in samtykke.js"
node - "$tmp" <<'JS'
const fs = require("fs"), path = require("path");
const dir = process.argv[2], gluePath = path.join(dir, "samtykke.js");
const fail = (m) => { console.error("build-widget: " + m); process.exit(1); };
const names = JSON.parse(fs.readFileSync(path.join(dir, "names.json"), "utf8"));
const wasmImports = WebAssembly.Module.imports(new WebAssembly.Module(fs.readFileSync(path.join(dir, "samtykke_bg.wasm"))));
const before = new Map(names.imports.map(([module, name, renamed]) => [renamed, [module, name]]));
let glue = fs.readFileSync(gluePath, "utf8");
const once = (re, replacement, what) => {
  if ((glue.match(new RegExp(re.source, re.flags + "g")) || []).length !== 1) fail(`expected one ${what}`);
  glue = glue.replace(re, replacement);
};
// Each import, under its new module and name: wasm-bindgen's own shims (keys of `import0`, renamed
// in place) or a function of page.js (see the inlining step).
const modules = {};
for (const { module, name } of wasmImports) {
  const [oldModule, oldName] = before.get(name) || fail(`import ${name} is not in the mapping`);
  let value;
  if (oldModule === "./samtykke_bg.js") {
    once(new RegExp(`^(\\s+)${oldName}: function`, "m"), `$1${name}: function`, `shim ${oldName}`);
    value = `import0.${name}`;
  } else if (oldModule.endsWith("/src/browser/page.js")) {
    value = `__samtykke_page.${oldName}`;
  } else fail(`import from unknown module ${oldModule}`);
  (modules[module] ||= []).push(`${name}: ${value}`);
}
const object = Object.entries(modules)
  .map(([m, entries]) => `${JSON.stringify(m)}: { __proto__: null, ${entries.join(", ")} }`).join(", ");
once(/return \{\n\s+__proto__: null,\n(\s+"[^"]+": import\d+,\n)+\s+\};/, `return { __proto__: null, ${object} };`, "imports object");
glue = glue.replace(/^const import\d+ = __samtykke_page;\n/gm, "");
for (const [oldName, renamed] of names.exports) {
  glue = glue.replace(new RegExp(`\\bwasm\\.${oldName}\\b`, "g"), `wasm.${renamed}`);
  if (new RegExp(`\\.${oldName}\\b`).test(glue)) fail(`export ${oldName} is still used by a name the rename missed`);
}
fs.writeFileSync(gluePath, glue);
JS
rm "$tmp/names.json" "$tmp/samtykke_bg.opt.wasm"

# terser shortens the glue's own names and whitespace; property names, which the wasm and the
# generator's `init({module_or_path})` rely on, stay as they are.
terser=$prefix/node/node_modules/.bin/terser
[ -x "$terser" ] || die "terser not found in $prefix; run: bash tools/setup-toolchain.sh"
log "terser"
"$terser" "$tmp/samtykke.js" --module --compress passes=2 --mangle -o "$tmp/samtykke.min.js"
mv "$tmp/samtykke.min.js" "$tmp/samtykke.js"

mkdir -p "$out"
mv "$tmp/samtykke.js" "$tmp/samtykke_bg.wasm" "$out/"

# Sizes by node's zlib: brotli at quality 11 (what a static host's precompression uses) and gzip -9.
node - "$out/samtykke_bg.wasm" "$out/samtykke.js" "$max_brotli" <<'EOF'
const fs = require("fs"), zlib = require("zlib");
const [wasm, glue, max] = process.argv.slice(2);
const br = (b) => zlib.brotliCompressSync(b, { params: {
  [zlib.constants.BROTLI_PARAM_QUALITY]: 11,
  [zlib.constants.BROTLI_PARAM_SIZE_HINT]: b.length } }).length;
const gz = (b) => zlib.gzipSync(b, { level: 9 }).length;
const rows = [[wasm, fs.readFileSync(wasm)], [glue, fs.readFileSync(glue)]];
const sum = { raw: 0, gzip: 0, brotli: 0 };
console.log("file".padEnd(24) + "raw".padStart(9) + "gzip".padStart(9) + "brotli".padStart(9));
for (const [path, bytes] of rows) {
  const s = { raw: bytes.length, gzip: gz(bytes), brotli: br(bytes) };
  for (const k in sum) sum[k] += s[k];
  console.log(path.split("/").pop().padEnd(24) + [s.raw, s.gzip, s.brotli].map((n) => String(n).padStart(9)).join(""));
}
console.log("total".padEnd(24) + [sum.raw, sum.gzip, sum.brotli].map((n) => String(n).padStart(9)).join(""));
if (sum.brotli > Number(max)) {
  console.error(`widget is ${sum.brotli} bytes brotli, over the ${max}-byte budget`);
  process.exit(1);
}
EOF
log "done: $out"

# --commit: the files the binary embeds, and what built them (tools/check-widget.sh reads the
# versions back; widget/compiled's test recomputes inputs_sha256).
if [ "${1:-}" = --commit ]; then
  compiled=$root/widget/compiled
  inputs=$(cd "$root" && cargo run --quiet -p samtykke-widget-compiled --example inputs_hash) ||
    die "cannot hash the widget's inputs"
  cp "$out/samtykke.js" "$out/samtykke_bg.wasm" "$compiled/"
  cat > "$compiled/BUILD.toml.tmp" <<TOML
# Written by tools/build-widget.sh --commit; tools/check-widget.sh rebuilds and compares.
$(widget_toolchain "$std_source")
inputs_sha256 = "$inputs"
TOML
  mv "$compiled/BUILD.toml.tmp" "$compiled/BUILD.toml"
  log "committed to $compiled (git add widget/compiled)"
fi

# --smoke: load the files just built, the way the generator will, in headless Chromium under a
# strict CSP (hashes only, no 'unsafe-inline', no eval), and check that the widget runs: the gate
# shows the banner, the guard drops a refused cookie, and accepting starts a hash-allowed inline
# script and stores the record. The browser tests check behaviour in depth; this checks the bytes.
[ "${1:-}" = --smoke ] || exit 0
command -v chromium >/dev/null || die "--smoke needs chromium (tools/setup-toolchain.sh installs it)"
site=$(mktemp -d "$target_dir/.widget-smoke-XXXXXX")
trap 'rm -rf "$tmp" "$site"; [ -z "${server:-}" ] || kill "$server" 2>/dev/null' EXIT
cp "$out/samtykke.js" "$out/samtykke_bg.wasm" "$site/"
node - "$site" "$root/widget/contract/src/gate.js" <<'JS'
const fs = require("fs"), crypto = require("crypto");
const [site, gatePath] = process.argv.slice(2);
// GATE_JS is gate.js without its trailing newline (lib.rs trims it the same way).
const gate = fs.readFileSync(gatePath, "utf8").replace(/\s+$/, "");
const config = JSON.stringify({
  version: 1, revision: "smoke-1", storage_key: "samtykke", expiry_days: 180, policy_version: "1",
  categories: [{ id: "necessary", required: true }, { id: "analytics", required: false }],
  cookies: [{ pattern: "_ga*", category: "analytics" }], google_consent_mode: false,
});
const placeholder = "window.__skRan=(window.__skRan||0)+1";
const module = `import init from "/samtykke.js";
await init({ module_or_path: "/samtykke_bg.wasm" });
const lines = [], check = (ok, what) => lines.push((ok ? "ok " : "FAIL ") + what);
const root = document.documentElement;
check(root.classList.contains("sk-ask"), "the gate shows the banner without a record");
check(window.__skRan === undefined, "nothing optional ran before consent");
document.cookie = "_ga=GA1.1.1; path=/";
check(!document.cookie.includes("_ga="), "the guard drops a refused cookie");
document.querySelector('[data-sk="accept-all"]').click();
check(window.__skRan === 1, "accepting ran the inline script, allowed by its CSP hash");
check(samtykke.granted("analytics"), "window.samtykke.granted says so");
check(!root.classList.contains("sk-ask"), "the banner is gone");
check(JSON.parse(localStorage.getItem("samtykke")).method === "accept-all", "the record is stored");
document.getElementById("result").textContent = lines.join("\\n") + "\\nSMOKE-END";`;
const hash = (s) => `'sha256-${crypto.createHash("sha256").update(s).digest("base64")}'`;
const csp = `default-src 'self'; script-src 'self' 'wasm-unsafe-eval' ${hash(gate)} ${hash(module)} ${hash(placeholder)}`;
fs.writeFileSync(`${site}/index.html`, `<!doctype html><html lang="nb"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<script type="application/json" id="samtykke-config">${config}</script>
<script>${gate}</script>
<script type="module">${module}</script></head><body>
<section id="sk-banner"><button type="button" data-sk="accept-all">Godta</button><button type="button" data-sk="reject-all">Avvis</button></section>
<dialog id="sk-preferences"><input type="checkbox" data-sk-category="analytics"></dialog>
<p id="sk-status" role="status" data-sk-saved="Lagret."></p>
<script type="text/plain" data-category="analytics">${placeholder}</script>
<pre id="result"></pre></body></html>`);
JS
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server --bind 127.0.0.1 --directory "$site" "$port" >/dev/null 2>&1 &
server=$!
for _ in $(seq 50); do python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" 2>/dev/null && break; sleep 0.1; done
log "smoke test in headless Chromium (127.0.0.1:$port)"
dom=$(timeout 60 chromium --headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage \
  --no-first-run --disable-background-networking --virtual-time-budget=10000 \
  --dump-dom "http://127.0.0.1:$port/" 2>/dev/null) || true
result=$(printf '%s' "$dom" | sed -n '/<pre id="result">/,/SMOKE-END/p' | sed 's/<pre id="result">//')
printf '%s\n' "$result" | grep -E '^(ok|FAIL) ' || true
printf '%s' "$result" | grep -q 'SMOKE-END' || die "smoke test: the widget never finished its checks"
! printf '%s' "$result" | grep -q '^FAIL' || die "smoke test failed"
log "smoke test passed"
