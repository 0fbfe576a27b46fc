#!/usr/bin/env bash
# Lighthouse (mobile preset, Debian's Chromium) on the front page and the cookie page of the
# Hesbynett site, served by real nginx with the snippet `build` writes (tools/servers.sh).
# Writes bench/results/lighthouse.md (and the JSON reports beside it). Not part of tools/test.sh.
#
#   bash bench/lighthouse.sh
#
# Knobs: SAMTYKKE_BIN (default target/debug/samtykke, built if missing), LIGHTHOUSE_PORT
# (default 18090). Lighthouse is installed on first use into the toolchain prefix,
# $SAMTYKKE_TOOLCHAIN/lighthouse (12.x: 13 needs Node 22, Debian ships 20).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
log() { printf '[lighthouse %4ds] %s\n' "$SECONDS" "$*"; }

LIGHTHOUSE_VERSION=12.8.2
# shellcheck disable=SC1091
source /opt/samtykke-toolchain/env.sh
prefix="$SAMTYKKE_TOOLCHAIN/lighthouse"
lighthouse="$prefix/node_modules/.bin/lighthouse"
if [ ! -x "$lighthouse" ] || ! grep -q "\"version\": \"$LIGHTHOUSE_VERSION\"" "$prefix/node_modules/lighthouse/package.json" 2>/dev/null; then
  log "npm install lighthouse@$LIGHTHOUSE_VERSION into $prefix"
  mkdir -p "$prefix"
  npm install --prefix "$prefix" --save-exact --no-audit --no-fund --loglevel=error "lighthouse@$LIGHTHOUSE_VERSION"
fi
[ -x /usr/bin/chromium ] || { echo "chromium is missing (apt-get install chromium)" >&2; exit 1; }
bash tools/servers.sh install

bin=${SAMTYKKE_BIN:-target/debug/samtykke}
[ -x "$bin" ] || cargo build -p samtykke
[ -f target/widget/samtykke_bg.wasm ] || bash tools/build-widget.sh

work=$(mktemp -d)
chmod 755 "$work"
port=${LIGHTHOUSE_PORT:-18090}
cleanup() { bash tools/servers.sh stop nginx "$work/nginx" || true; rm -rf "$work"; }
trap cleanup EXIT

log "build the site into $work/dist"
"$bin" build --out "$work/dist" >/dev/null
bash tools/servers.sh start nginx "$work/dist" "$port" "$work/nginx"

out=bench/results
mkdir -p "$out"
md=$out/lighthouse.md
{
  echo "# Lighthouse, mobile preset"
  echo
  echo "Lighthouse $LIGHTHOUSE_VERSION, $(/usr/bin/chromium --version | head -1), the Hesbynett site served by"
  echo "nginx $(/usr/sbin/nginx -v 2>&1 | sed 's|.*/||') on 127.0.0.1 with the generated \`.nginx.conf\`"
  echo "(\`bash bench/lighthouse.sh\`, $(date -u +%Y-%m-%d))."
  echo
  echo "| page | Performance | Accessibility | Best Practices | SEO |"
  echo "|---|--:|--:|--:|--:|"
} >"$md"
failing=""
for page in / /informasjonskapsler/; do
  name=$(echo "$page" | tr -d / | sed 's/^$/front/')
  log "lighthouse $page"
  json=$out/lighthouse-$name.json
  CHROME_PATH=/usr/bin/chromium "$lighthouse" "http://127.0.0.1:$port$page" \
    --quiet --output=json --output-path="$json" \
    --chrome-flags="--headless=new --no-sandbox --disable-gpu" >/dev/null
  node -e '
    const r = require(process.argv[1]);
    const s = (k) => Math.round(r.categories[k].score * 100);
    console.log(`| ${process.argv[2]} | ${s("performance")} | ${s("accessibility")} | ${s("best-practices")} | ${s("seo")} |`);
  ' "$PWD/$json" "$page" >>"$md"
  failing+=$(node -e '
    const r = require(process.argv[1]);
    const ids = new Set(Object.values(r.categories).flatMap((c) => c.auditRefs.filter((a) => a.weight > 0).map((a) => a.id)));
    for (const id of ids) {
      const a = r.audits[id];
      if (a.score !== null && a.score < 1 && a.scoreDisplayMode !== "informative" && a.scoreDisplayMode !== "notApplicable")
        console.log(`- \`${process.argv[2]}\` ${id} (score ${a.score}): ${a.title}${a.displayValue ? " — " + a.displayValue : ""}`);
    }
  ' "$PWD/$json" "$page")$'\n'
done
{
  echo
  echo "## Failing audits"
  echo
  if [ -n "${failing//$'\n'/}" ]; then printf '%s' "$failing" | sed '/^$/d'; else echo "None."; fi
  echo
  echo "Note: over plain http on loopback; HSTS and the https-only audits cannot apply, and"
  echo "Performance on a shared 2-core machine varies by a few points between runs."
} >>"$md"
cat "$md"
