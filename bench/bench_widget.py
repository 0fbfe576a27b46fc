#!/usr/bin/env python3
"""Widget benchmark: Samtykke's consent widget against four npm consent banners, in headless Chromium.

    bench/cache/venv/bin/python bench/bench_widget.py [--runs 10]

The page is Hesbynett's /personvern/ as `samtykke build` renders it. Every other contestant gets
that same HTML with Samtykke's parts taken out (the CSP, the inline config, gate and loader, the
banner and the preferences dialog, the gated script tag, and the CSS rules only those used) and its
own files and configuration put in, as its documentation shows (bench/widget/<name>/). "none" is
the page with no consent tool at all, for reference. All of them gate the same analytics stand-in
(bench/widget/analytics.js), which sets an `__utma` cookie. It is served, as a real third-party
script is, from another origin: a server of its own on 127.0.0.1 started before the site is built,
because the generator takes only an absolute script URL (https, or http on loopback). Every
contestant points at that same URL, so each pays the same extra connection.

Each run starts a fresh Chromium (fresh --user-data-dir: empty cache and storage) and, through the
DevTools protocol, sets a 412×823 mobile viewport, 4× CPU slowdown and 150 ms latency / 1.6 Mbps
down / 750 kbps up (Lighthouse's mobile profile). Files come from a local server on 127.0.0.1 that
compresses like a static host (brotli if asked for, else gzip). First visit: figures below. Then
the bench clicks the tool's "accept all" button, checks that the stand-in ran, and visits again
(warm cache, consent stored) to see whether the banner shows at all ("flash").

A probe injected before any page script records, from inside the page:
  banner    the first animation frame in which the tool's banner has a box in the viewport, is
            not display:none or visibility:hidden, and has an effective opacity > 0 ("painted")
            and >= 0.99 ("opaque"): frame timestamps, ms since navigation start.
  FCP       first-contentful-paint; CLS as the largest session window (web-vitals' definition);
  longtask  entries (main-thread tasks over 50 ms).
Performance.getMetrics gives main-thread script time (ScriptDuration) and the JS heap, the latter
after a forced garbage collection. Bytes transferred are the sum of encodedDataLength.

Runs are interleaved (every contestant once per round, in a rotating order) so that whatever else
the machine is doing spreads over all of them. Writes bench/results/widget.json and widget.md.

Besides the measured page, the bench adds up what a first visit to the front page downloads,
brotli: its HTML and the CSS, JS and WASM it loads (images and the favicon left out), for each
contestant, and for "none" as the floor.

The samtykke binary is target/release/samtykke, or $SAMTYKKE_BIN (any build of this tree: the
bench times pages, not the generator). With $SAMTYKKE_BEFORE, a directory holding another build's
samtykke.js and samtykke_bg.wasm (widget/compiled of an earlier commit), the same site is built a
second time with that widget and runs as "samtykke-before": a before/after pair under the same load.
"""

import argparse
import gzip
import http.server
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
import tomllib
import urllib.request
from pathlib import Path

import brotli
import websocket

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
CACHE = BENCH / "cache"
WORK = CACHE / "widget"
CONFIGS = BENCH / "widget"
RESULTS = BENCH / "results"
PAGE = "/personvern/"
FRONT = "/"
THIRD_PARTY = CACHE / "third-party"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
CPU_SLOWDOWN = 4
NETWORK = {"offline": False, "latency": 150, "downloadThroughput": 1_600_000 / 8,
           "uploadThroughput": 750_000 / 8, "connectionType": "cellular4g"}
VIEWPORT = {"width": 412, "height": 823, "deviceScaleFactor": 1.75, "mobile": True}
FRAME_MS = 1000 / 60

NPM_PACKAGES = {"vanilla-cookieconsent": "3.1.0", "klaro": "0.7.22", "tarteaucitronjs": "1.34.0",
                "cookieconsent": "3.1.1"}


class Contestant:
    def __init__(self, name, version, banner, accept, files=(), config=None, reject=None):
        self.name, self.version = name, version
        self.banner, self.accept = banner, accept      # CSS selectors: the banner, its accept-all button
        self.reject = reject                           # its reject-all button, for the return visit after a refusal
        self.files = list(files)                       # (path in node_modules, URL path) the tool loads
        self.config = config                           # its init/config file in bench/widget/<name>/


NM = CACHE / "npm" / "node_modules"
BEFORE = os.environ.get("SAMTYKKE_BEFORE")
CONTESTANTS = [
    Contestant("none", "-", banner=None, accept=None),
    Contestant("samtykke", "this tree", banner="#sk-banner", accept='#sk-banner [data-sk="accept-all"]',
               reject='#sk-banner [data-sk="reject-all"]'),
    Contestant("vanilla-cookieconsent", NPM_PACKAGES["vanilla-cookieconsent"], banner="#cc-main .cm",
               accept='#cc-main .cm [data-role="all"]', reject='#cc-main .cm [data-role="necessary"]',
               files=[("vanilla-cookieconsent/dist/cookieconsent.css", "/vendor/cookieconsent.css"),
                      ("vanilla-cookieconsent/dist/cookieconsent.umd.js", "/vendor/cookieconsent.umd.js")],
               config=("cookieconsent-init.js", "/vendor/cookieconsent-init.js")),
    Contestant("klaro", NPM_PACKAGES["klaro"], banner=".klaro .cookie-notice",
               accept=".klaro .cookie-notice .cm-btn-success",
               files=[("klaro/dist/klaro.js", "/vendor/klaro.js")],
               config=("klaro-config.js", "/vendor/klaro-config.js")),
    # tarteaucitron.min.js fetches the .min language file, services file and CSS next to itself.
    Contestant("tarteaucitronjs", NPM_PACKAGES["tarteaucitronjs"], banner="#tarteaucitronAlertBig",
               accept="#tarteaucitronPersonalize2",
               files=[("tarteaucitronjs/tarteaucitron.min.js", "/vendor/tarteaucitron/tarteaucitron.min.js"),
                      ("tarteaucitronjs/tarteaucitron.services.min.js", "/vendor/tarteaucitron/tarteaucitron.services.min.js"),
                      ("tarteaucitronjs/lang/tarteaucitron.no.min.js", "/vendor/tarteaucitron/lang/tarteaucitron.no.min.js"),
                      ("tarteaucitronjs/css/tarteaucitron.min.css", "/vendor/tarteaucitron/css/tarteaucitron.min.css")],
               config=("tarteaucitron-init.js", "/vendor/tarteaucitron-init.js")),
    Contestant("cookieconsent", NPM_PACKAGES["cookieconsent"], banner=".cc-window", accept=".cc-window .cc-allow",
               files=[("cookieconsent/build/cookieconsent.min.css", "/vendor/cookieconsent.min.css"),
                      ("cookieconsent/build/cookieconsent.min.js", "/vendor/cookieconsent.min.js")],
               config=("cookieconsent-init.js", "/vendor/cookieconsent-init.js")),
]


# ---------------------------------------------------------------------------------------------
# Preparing the pages

def gz(b: bytes) -> int:
    return len(gzip.compress(b, 9, mtime=0))


def br(b: bytes) -> int:
    return len(brotli.compress(b, quality=11))


def ensure_npm() -> None:
    if all((NM / name / "package.json").exists() and json.loads((NM / name / "package.json").read_text())["version"] == v
           for name, v in NPM_PACKAGES.items()):
        return
    (CACHE / "npm").mkdir(parents=True, exist_ok=True)
    if not (CACHE / "npm" / "package.json").exists():
        (CACHE / "npm" / "package.json").write_text('{"private": true}\n')
    specs = [f"{n}@{v}" for n, v in NPM_PACKAGES.items()]
    print("npm install " + " ".join(specs), flush=True)
    subprocess.run(["npm", "install", "--prefix", str(CACHE / "npm"), "--no-audit", "--no-fund",
                    "--loglevel=error", "--save-exact", *specs], check=True)


if BEFORE:
    CONTESTANTS.insert(2, Contestant("samtykke-before", BEFORE, banner="#sk-banner",
                                     accept='#sk-banner [data-sk="accept-all"]',
                                     reject='#sk-banner [data-sk="reject-all"]'))


def build_samtykke_site(analytics_url: str) -> dict[str, Path]:
    """Hesbynett's content and theme, with the gated script pointed at the stand-in's server;
    the output directory of each samtykke contestant."""
    widget = REPO / "target" / "widget"
    if not ((widget / "samtykke.js").exists() and (widget / "samtykke_bg.wasm").exists()):
        sys.exit("target/widget/ has no compiled widget: run bash tools/build-widget.sh")
    binary = Path(os.environ.get("SAMTYKKE_BIN") or REPO / "target" / "release" / "samtykke")
    if not binary.exists():
        sys.exit(f"{binary} missing: cargo build --release -p samtykke, or set SAMTYKKE_BIN")
    # Private copies: target/ is shared and may be rebuilt by someone else mid-run.
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    (WORK / "widget").mkdir()
    for name in ("samtykke.js", "samtykke_bg.wasm"):   # target/widget may also hold a cargo target dir
        shutil.copy2(widget / name, WORK / "widget" / name)
    shutil.copy2(binary, WORK / "samtykke")
    src = WORK / "site-src"
    shutil.copytree(REPO / "content", src / "content")
    shutil.copytree(REPO / "themes", src / "themes")
    inventory = src / "content" / "cookies.toml"
    text, n = re.subn(r'(?m)^script = "https://www\.google-analytics\.com/ga\.js"$',
                      lambda _: f"script = {json.dumps(analytics_url)}", inventory.read_text())
    if n != 1:
        sys.exit("content/cookies.toml: expected exactly one ga.js script line to point at the stand-in")
    inventory.write_text(text)
    builds = {"samtykke": (WORK / "widget", WORK / "built")}
    if BEFORE:
        (WORK / "widget-before").mkdir()
        for name in ("samtykke.js", "samtykke_bg.wasm"):
            shutil.copy2(Path(BEFORE) / name, WORK / "widget-before" / name)
        builds["samtykke-before"] = (WORK / "widget-before", WORK / "built-before")
    for widget_dir, built in builds.values():
        subprocess.run([str(WORK / "samtykke"), "--root", str(src), "build", "--widget-dir", str(widget_dir),
                        "--out", str(built)], check=True, stdout=subprocess.DEVNULL)
    return {name: built for name, (_, built) in builds.items()}


def cut(html: str, pattern: str, what: str, count: int = 1) -> tuple[str, str]:
    """Removes what `pattern` matches (exactly `count` times); returns the page and the removed text."""
    found = re.findall(pattern, html, flags=re.S)
    if len(found) != count:
        sys.exit(f"expected {count} {what} in the built page, found {len(found)}: has the theme changed?")
    return re.sub(pattern, "", html, flags=re.S), "".join(found)


def strip_samtykke(html: str) -> tuple[str, str]:
    """The page without Samtykke: returns it and the removed markup (to find the CSS it used)."""
    removed = []
    for pattern, what, count in [
        (r'\n\s*<meta http-equiv="Content-Security-Policy"[^>]*>', "CSP meta", 1),
        (r'\n\s*<script type="application/json" id="samtykke-config">.*?</script>', "config script", 1),
        (r'\n\s*<script>.*?</script>', "inline gate script", 1),
        (r'\n\s*<script type="module">.*?</script>', "widget loader", 1),
        (r'\n\s*<section id="sk-banner".*?</section>', "banner", 1),
        (r'\n\s*<dialog id="sk-preferences".*?</dialog>', "preferences dialog", 1),
        (r'\n\s*<script type="text/plain" data-category="[^"]*" data-src="[^"]*"></script>', "gated script", 1),
        (r'\n\s*<p class="site-footer__settings">.*?</p>', "footer settings button", 1),
        (r'\n\s*<p id="sk-status"[^>]*></p>', "status line", 1),
    ]:
        html, gone = cut(html, pattern, what, count)
        removed.append(gone)
    return html, "".join(removed)


def classes(html: str) -> set[str]:
    return {c for attr in re.findall(r'class="([^"]*)"', html) for c in attr.split()}


def strip_css(css: str, unused: set[str]) -> str:
    """Drops selectors that name a class in `unused`, rules left without selectors, and custom
    properties no remaining rule reads. Enough for the theme's flat stylesheet, not a CSS parser."""
    def block_end(s: str, open_at: int) -> int:
        depth = 0
        for i in range(open_at, len(s)):
            depth += {"{": 1, "}": -1}.get(s[i], 0)
            if depth == 0:
                return i
        raise ValueError("unbalanced braces")

    def walk(s: str) -> str:
        out, i = [], 0
        while True:
            j = s.find("{", i)
            if j < 0:
                return "".join(out) + s[i:]
            k = block_end(s, j)
            prelude = re.sub(r"/\*.*?\*/", "", s[i:j], flags=re.S)
            lead = prelude[:len(prelude) - len(prelude.lstrip())]
            prelude = prelude.strip()
            body = s[j + 1:k]
            if prelude.startswith("@"):
                inner = walk(body)
                if inner.strip():
                    out.append(f"{lead}{prelude} {{{inner}}}")
            else:
                keep = [sel.strip() for sel in prelude.split(",")
                        if not any(re.search(rf"\.{re.escape(c)}(?![\w-])", sel) for c in unused)]
                if keep and body.strip():
                    out.append(f"{lead}{', '.join(keep)} {{{body}}}")
            i = k + 1

    css = walk(css)
    for prop in set(re.findall(r"(--[\w-]+)\s*:", css)):
        if f"var({prop})" not in css:
            css = re.sub(rf"\s*{re.escape(prop)}\s*:[^;}}]*;?(\s*/\*.*?\*/)?", "", css)
    # A rule whose only declaration was such a property is empty now.
    for _ in range(3):
        css = re.sub(r"\n?[^{}\n]*\{\s*\}", "", css)
    return css


def texts() -> dict[str, str]:
    """Hesbynett's consent texts, as JSON literals for the contestants' configs."""
    site = tomllib.loads((REPO / "content" / "site.toml").read_text())
    inventory = tomllib.loads((REPO / "content" / "cookies.toml").read_text())
    lang = site["default_language"]
    t = {k: v[lang] for k, v in site["consent"]["texts"].items()}
    for cat in ("necessary", "analytics"):
        t[f"{cat}_title"] = inventory["categories"][cat]["title"][lang]
        t[f"{cat}_description"] = inventory["categories"][cat]["description"][lang]
    t["cookie_page_title"] = "Informasjonskapsler"
    return {k: json.dumps(v, ensure_ascii=False) for k, v in t.items()}


def fill(template: str, values: dict[str, str]) -> str:
    def one(m):
        if m.group(1) not in values:
            sys.exit(f"unknown placeholder {{{{{m.group(1)}}}}}")
        return values[m.group(1)]
    return re.sub(r"\{\{(\w+)\}\}", one, template)


def prepare(analytics_url: str) -> dict:
    """Writes a document root per contestant under bench/cache/widget/pages; returns the sizes.
    `analytics_url` is where every contestant loads the stand-in from."""
    ensure_npm()
    builds = build_samtykke_site(analytics_url)
    built = builds["samtykke"]
    page = (built / PAGE.strip("/") / "index.html").read_text()
    css_href = re.search(r'<link rel="stylesheet" href="(/[^"]+\.css)">', page).group(1)
    css = (built / css_href.lstrip("/")).read_text()
    bare, removed = strip_samtykke(page)
    widget_only = classes(removed) - classes(bare)
    bare_css = strip_css(css, widget_only)
    values = texts()
    values["analytics_src"] = json.dumps(analytics_url)
    front = (built / FRONT.strip("/") / "index.html").read_text()
    if re.search(r'<link rel="stylesheet" href="(/[^"]+\.css)">', front).group(1) != css_href:
        sys.exit("the front page and the measured page use different stylesheets")
    bare_front, _ = strip_samtykke(front)

    sizes, front_sizes = {}, {}
    roots = {}
    for c in CONTESTANTS:
        root = WORK / "pages" / c.name
        roots[c.name] = root
        own = []   # (what, bytes) that the tool adds to what a visitor downloads
        if c.name in builds:
            shutil.copytree(builds[c.name], root)
            html = (builds[c.name] / PAGE.strip("/") / "index.html").read_text()
            front_html = (builds[c.name] / FRONT.strip("/") / "index.html").read_text()
            # The fingerprinted module and glue, not their precompressed copies (.br, .gz).
            for f in sorted(builds[c.name].glob("samtykke.*")):
                if re.fullmatch(r"samtykke\.[0-9a-f]+\.(js|wasm)", f.name):
                    own.append((f.name, f.read_bytes()))
            own.append(("CSS rules of banner and dialog (style.css minus the page's own rules)", None))
        else:
            root.mkdir(parents=True)
            html, front_html = bare, bare_front
            (root / css_href.lstrip("/")).write_text(bare_css)
            if c.name != "none":
                head = fill((CONFIGS / c.name / "head.html").read_text(), values)
                body = fill((CONFIGS / c.name / "body.html").read_text(), values)
                html, front_html = (h.replace("</head>", head + "</head>", 1).replace("</body>", body + "</body>", 1)
                                    for h in (html, front_html))
                for src, url in c.files:
                    dest = root / url.lstrip("/")
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy(NM / src, dest)
                    own.append((url.rsplit("/", 1)[1], dest.read_bytes()))
                name, url = c.config
                config = fill((CONFIGS / c.name / name).read_text(), values).encode()
                (root / url.lstrip("/")).write_bytes(config)
                own.append((name + " (configuration)", config))
        (root / PAGE.strip("/")).mkdir(parents=True, exist_ok=True)
        (root / PAGE.strip("/") / "index.html").write_text(html)
        (root / FRONT.strip("/") / "index.html").write_text(front_html)

        # What the tool adds inside the page itself (config, markup, tags), compressed as the page
        # is: the compressed page minus the compressed bare page.
        rows = []
        for what, data in own:
            if data is None:   # Samtykke's CSS rules: the full stylesheet minus the bare one
                full, base = css.encode(), bare_css.encode()
                rows.append({"what": what, "raw": len(full) - len(base), "gzip": gz(full) - gz(base),
                             "brotli": br(full) - br(base)})
            else:
                rows.append({"what": what, "raw": len(data), "gzip": gz(data), "brotli": br(data)})
        if c.name != "none":
            h, b = html.encode(), bare.encode()
            rows.append({"what": "added to the page's HTML", "raw": len(h) - len(b), "gzip": gz(h) - gz(b),
                         "brotli": br(h) - br(b)})
        sizes[c.name] = {"rows": rows, **{k: sum(r[k] for r in rows) for k in ("raw", "gzip", "brotli")}}

        # A first visit to the front page, brotli, by kind: the page, its stylesheet and every
        # file of the tool (its configuration file counts as JS).
        kinds = {"html": br(front_html.encode()), "css": br((css if c.name in builds else bare_css).encode()),
                 "js": 0, "wasm": 0}
        for what, data in own:
            if data is not None:
                kind = next(k for k in ("css", "js", "wasm") if what.split(" ")[0].endswith("." + k))
                kinds[kind] += br(data)
        front_sizes[c.name] = {**kinds, "total": sum(kinds.values())}
    return {"roots": roots, "sizes": sizes, "front": front_sizes, "widget_only_classes": sorted(widget_only),
            "css_bytes": {"full": len(css), "bare": len(bare_css)}}


# ---------------------------------------------------------------------------------------------
# Serving

COMPRESSIBLE = {".html", ".css", ".js", ".json", ".wasm", ".svg", ".txt", ".xml"}
TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css", ".js": "text/javascript",
         ".json": "application/json", ".wasm": "application/wasm", ".svg": "image/svg+xml",
         ".txt": "text/plain", ".xml": "application/xml"}


class Handler(http.server.BaseHTTPRequestHandler):
    # Keep-alive, as a real host: without it every request would pay a new connection.
    protocol_version = "HTTP/1.1"
    cache: dict = {}
    cache_lock = threading.Lock()
    encodings_seen: set = set()

    def do_GET(self):
        root = self.server.root
        path = self.path.split("?", 1)[0]
        target = (root / path.lstrip("/")).resolve()
        if target.is_dir():
            target = target / "index.html"
        if root not in target.parents or not target.is_file():
            self.send_error(404)
            return
        accept = self.headers.get("Accept-Encoding", "")
        Handler.encodings_seen.add(accept)
        encoding = next((e for e in ("br", "gzip") if e in accept), None) if target.suffix in COMPRESSIBLE else None
        key = (str(target), encoding)
        with Handler.cache_lock:
            body = Handler.cache.get(key)
        if body is None:
            body = target.read_bytes()
            if encoding == "br":
                body = brotli.compress(body, quality=11)
            elif encoding == "gzip":
                body = gzip.compress(body, 9, mtime=0)
            with Handler.cache_lock:
                Handler.cache[key] = body
        self.send_response(200)
        self.send_header("Content-Type", TYPES.get(target.suffix, "application/octet-stream"))
        self.send_header("Content-Length", str(len(body)))
        if encoding:
            self.send_header("Content-Encoding", encoding)
        self.send_header("Vary", "Accept-Encoding")
        self.send_header("Cache-Control", "no-cache" if target.suffix == ".html" else "public, max-age=3600")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def serve(root: Path) -> http.server.ThreadingHTTPServer:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.root = root.resolve()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


# ---------------------------------------------------------------------------------------------
# Driving Chromium

class CDP:
    """A minimal DevTools protocol client over one page target's WebSocket."""

    def __init__(self, ws_url: str):
        self.ws = websocket.create_connection(ws_url, suppress_origin=True, timeout=30)
        self.next_id = 0
        self.events: list[dict] = []

    def _recv(self, deadline: float):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        self.ws.settimeout(remaining)
        try:
            return json.loads(self.ws.recv())
        except websocket.WebSocketTimeoutException:
            return None

    def send(self, method: str, params: dict | None = None, timeout: float = 30) -> dict:
        self.next_id += 1
        mid = self.next_id
        self.ws.send(json.dumps({"id": mid, "method": method, "params": params or {}}))
        deadline = time.monotonic() + timeout
        while True:
            msg = self._recv(deadline)
            if msg is None:
                raise TimeoutError(method)
            if msg.get("id") == mid:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)

    def pump(self, seconds: float) -> None:
        """Collects events for `seconds`."""
        deadline = time.monotonic() + seconds
        while (msg := self._recv(deadline)) is not None:
            if "method" in msg:
                self.events.append(msg)

    def evaluate(self, expression: str):
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result.get("result", {}).get("value")

    def close(self):
        self.ws.close()


class Browser:
    def __init__(self, profile: Path):
        shutil.rmtree(profile, ignore_errors=True)
        profile.mkdir(parents=True)
        self.profile = profile
        self.proc = subprocess.Popen([CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                                      "--remote-debugging-port=0", "about:blank"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = profile / "DevToolsActivePort"
        for _ in range(200):   # 20 s
            if port_file.exists() and port_file.read_text().strip():
                break
            if self.proc.poll() is not None:
                raise RuntimeError("chromium exited at start")
            time.sleep(0.1)
        else:
            self.quit()
            raise RuntimeError("chromium did not open its DevTools port")
        port = port_file.read_text().split()[0]
        for _ in range(50):
            targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list"))
            pages = [t for t in targets if t["type"] == "page"]
            if pages:
                break
            time.sleep(0.1)
        self.cdp = CDP(pages[0]["webSocketDebuggerUrl"])

    def quit(self):
        if hasattr(self, "cdp"):
            self.cdp.close()
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


PROBE = r"""
(() => {
  const SELECTOR = %(selector)s, KEEP_POLLING = %(keep)s;
  const out = window.__bench = { painted: null, opaque: null, rendered: null, frames: 0, fcp: null, cls: 0, longtasks: [] };
  const watch = (type, fn) => { try { new PerformanceObserver((l) => l.getEntries().forEach(fn)).observe({ type, buffered: true }); } catch (e) {} };
  watch("paint", (e) => { if (e.name === "first-contentful-paint") out.fcp = e.startTime; });
  // CLS: the largest session window (shifts < 1 s apart, window <= 5 s), as web-vitals computes it.
  let win = 0, first = 0, last = 0;
  watch("layout-shift", (e) => {
    if (e.hadRecentInput) return;
    if (e.startTime - last > 1000 || e.startTime - first > 5000) { win = 0; first = e.startTime; }
    win += e.value; last = e.startTime; out.cls = Math.max(out.cls, win);
  });
  watch("longtask", (e) => out.longtasks.push([e.startTime, e.duration]));
  if (!SELECTOR) return;
  // Element Timing gives the banner's first paint on the same clock as FCP (presentation time):
  // mark the banner and everything in it as soon as it enters the DOM, before it can be painted.
  watch("element", (e) => {
    if (e.identifier !== "bench-banner") return;
    const t = e.renderTime || e.loadTime;
    if (out.rendered === null || t < out.rendered) out.rendered = t;
  });
  const mark = (el) => { el.setAttribute("elementtiming", "bench-banner"); el.querySelectorAll("*").forEach((d) => d.setAttribute("elementtiming", "bench-banner")); };
  new MutationObserver((records) => {
    for (const r of records) for (const n of r.addedNodes) {
      if (n.nodeType !== 1) continue;
      if (n.closest(SELECTOR)) mark(n); else n.querySelectorAll(SELECTOR).forEach(mark);
    }
  }).observe(document, { childList: true, subtree: true });
  // Effective opacity of the banner if it is on screen, else 0.
  const shown = () => {
    const el = document.querySelector(SELECTOR);
    if (!el) return 0;
    const r = el.getBoundingClientRect();
    if (r.width < 1 || r.height < 1 || r.bottom <= 0 || r.top >= innerHeight || r.right <= 0 || r.left >= innerWidth) return 0;
    let opacity = 1;
    for (let n = el; n && n.nodeType === 1; n = n.parentElement) {
      const s = getComputedStyle(n);
      if (s.display === "none" || s.visibility === "hidden") return 0;
      opacity *= parseFloat(s.opacity);
    }
    return opacity;
  };
  const tick = (ts) => {
    const o = shown();
    if (o > 0) { out.frames++; if (out.painted === null) out.painted = ts; }
    if (o >= 0.99 && out.opaque === null) out.opaque = ts;
    // Bounded; on a first visit it stops once the banner is fully shown, to cost as little as it can.
    if (ts < 15000 && (KEEP_POLLING || out.opaque === null)) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})();
"""


def visit(cdp: CDP, url: str, c: Contestant, first: bool, watch_banner: bool = True) -> dict:
    """Navigates and waits until the page has settled: loaded, banner shown (first visit), no
    request for 1 s; then 1 s more. Bounded at 30 s. With `watch_banner` off, the probe only
    observes paint, layout shifts and long tasks: see `run_quiet`."""
    watched = c.banner if watch_banner else None
    probe = PROBE % {"selector": json.dumps(watched), "keep": "false" if first else "true"}
    script_id = cdp.send("Page.addScriptToEvaluateOnNewDocument", {"source": probe})["identifier"]
    cdp.events.clear()
    started = time.monotonic()
    cdp.send("Page.navigate", {"url": url})
    inflight, last_activity, loaded = set(), time.monotonic(), False
    seen = 0
    while time.monotonic() - started < 30:
        cdp.pump(0.2)
        for e in cdp.events[seen:]:
            m = e["method"]
            if m == "Network.requestWillBeSent":
                inflight.add(e["params"]["requestId"])
            elif m in ("Network.loadingFinished", "Network.loadingFailed"):
                inflight.discard(e["params"]["requestId"])
            elif m == "Page.loadEventFired":
                loaded = True
            if m.startswith("Network."):
                last_activity = time.monotonic()
        seen = len(cdp.events)
        if not loaded or inflight or time.monotonic() - last_activity < 1.0:
            continue
        if first and watched and not cdp.evaluate("window.__bench && window.__bench.opaque !== null"):
            continue
        if not first and time.monotonic() - started < 5:
            continue   # a return visit: give a late banner time to show
        break
    cdp.pump(1.0)
    cdp.send("Page.removeScriptToEvaluateOnNewDocument", {"identifier": script_id})
    probe_out = cdp.evaluate("JSON.stringify(window.__bench)")
    finished = [e["params"] for e in cdp.events if e["method"] == "Network.loadingFinished"]
    # Requests answered from the browser's cache, so that a return visit tells what it fetched.
    urls = {e["params"]["requestId"]: e["params"]["request"]["url"] for e in cdp.events
            if e["method"] == "Network.requestWillBeSent"}
    cached = {e["params"]["requestId"] for e in cdp.events if e["method"] == "Network.requestServedFromCache"}
    cached |= {e["params"]["requestId"] for e in cdp.events if e["method"] == "Network.responseReceived"
               and (e["params"]["response"].get("fromDiskCache") or e["params"]["response"].get("fromPrefetchCache"))}
    return {
        "probe": json.loads(probe_out) if probe_out else {},
        "bytes": sum(p["encodedDataLength"] for p in finished),
        "requests": len(finished),
        "fetched": sorted(u for r, u in urls.items() if r not in cached and not u.startswith("data:")),
        "timed_out": time.monotonic() - started >= 30,
    }


def metrics(cdp: CDP) -> dict:
    return {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}


def emulate(cdp: CDP) -> None:
    for method, params in [("Page.enable", {}), ("Network.enable", {}), ("Performance.enable", {}),
                           ("Emulation.setDeviceMetricsOverride", VIEWPORT),
                           ("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN}),
                           ("Network.emulateNetworkConditions", NETWORK)]:
        cdp.send(method, params)


def click(cdp: CDP, selector: str) -> bool:
    return cdp.evaluate(f"(() => {{ const b = document.querySelector({json.dumps(selector)}); "
                        "if (!b) return false; b.click(); return true; })()")


def run_reject(c: Contestant, origin: str, profile: Path, analytics_url: str) -> dict:
    """First visit, "reject all", then a return visit: what that visit fetched over the network,
    whether the stand-in was among it, and whether the banner showed."""
    browser = Browser(profile)
    try:
        cdp = browser.cdp
        emulate(cdp)
        url = origin + PAGE
        visit(cdp, url, c, first=True)
        clicked = click(cdp, c.reject)
        cdp.pump(1.0)   # let the tool write its record
        v = visit(cdp, url, c, first=False)
        return {
            "reject_clicked": clicked,
            "return_fetched": [u.replace(origin, "") for u in v["fetched"]],
            "return_bytes": v["bytes"],
            "analytics_fetched": analytics_url in v["fetched"],
            "ran": cdp.evaluate("window.__analyticsRan !== undefined"),
            "banner_frames": v["probe"].get("frames", 0),
        }
    finally:
        browser.quit()


def page_figures(cdp: CDP, probe: dict) -> dict:
    """FCP, long tasks, script time and the JS heap (before and after a forced GC) of the visit
    just made."""
    before_gc = metrics(cdp)
    cdp.send("HeapProfiler.collectGarbage")
    after_gc = metrics(cdp)
    tasks = probe.get("longtasks", [])
    return {
        "fcp_ms": probe.get("fcp"),
        "longtasks": len(tasks),
        "longtask_ms": sum(d for _, d in tasks),
        "blocking_ms": sum(max(0.0, d - 50) for _, d in tasks),
        "script_ms": before_gc.get("ScriptDuration", 0) * 1000,
        "task_ms": before_gc.get("TaskDuration", 0) * 1000,
        "heap_mb": before_gc.get("JSHeapUsedSize", 0) / 2**20,
        "heap_gc_mb": after_gc.get("JSHeapUsedSize", 0) / 2**20,
    }


def run_quiet(c: Contestant, origin: str, profile: Path) -> dict:
    """A first visit watched only by the paint, layout-shift and long-task observers: FCP, script
    time, long tasks and the heap. The banner probe (a MutationObserver over every node the
    parser adds, and a style and layout read on every animation frame) runs only for contestants
    with a banner and costs main-thread time before first paint in proportion to the page's
    nodes: a trace of Samtykke's first visit put 73 ms of its script time before FCP (4× CPU)
    in the probe's own callbacks. So those figures come from this visit, and the banner's timing
    from `run_once`'s."""
    browser = Browser(profile)
    try:
        cdp = browser.cdp
        emulate(cdp)
        v = visit(cdp, origin + PAGE, c, first=True, watch_banner=False)
        return page_figures(cdp, v["probe"])
    finally:
        browser.quit()


def run_once(c: Contestant, origin: str, profile: Path) -> dict:
    browser = Browser(profile)
    try:
        cdp = browser.cdp
        emulate(cdp)
        url = origin + PAGE
        v1 = visit(cdp, url, c, first=True)
        p = v1["probe"]
        result = {
            **page_figures(cdp, p),
            "rendered_ms": p.get("rendered"),
            "painted_ms": p.get("painted"),
            "opaque_ms": p.get("opaque"),
            "cls": p.get("cls"),
            "bytes": v1["bytes"],
            "requests": v1["requests"],
            "timed_out": v1["timed_out"],
            "ran_before_consent": cdp.evaluate("window.__analyticsRan !== undefined"),
        }
        if c.accept:
            clicked = click(cdp, c.accept)
            ran = False
            for _ in range(50):   # 10 s
                if cdp.evaluate("window.__analyticsRan !== undefined"):
                    ran = True
                    break
                cdp.pump(0.2)
            cdp.pump(0.5)   # let the tool finish writing its record
            v2 = visit(cdp, url, c, first=False)
            result.update({
                "accept_clicked": clicked,
                "ran_after_accept": ran,
                "return_banner_frames": v2["probe"].get("frames", 0),
                "ran_on_return": cdp.evaluate("window.__analyticsRan !== undefined"),
                # performance.now() when the stand-in ran on the return visit: how soon a tool
                # starts what the visitor accepted.
                "ran_on_return_ms": cdp.evaluate("window.__analyticsRan ?? null"),
                "return_fetched": [u.replace(origin, "") for u in v2["fetched"]],
                "return_bytes": v2["bytes"],
                "return_fcp_ms": v2["probe"].get("fcp"),
            })
        return result
    finally:
        browser.quit()


# ---------------------------------------------------------------------------------------------
# Report

def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(v, digits=0, unit=""):
    return "–" if v is None else f"{v:,.{digits}f}{unit}".replace(",", " ")


def with_consent(contestants: list, runs: dict):
    """Each contestant that has a banner to accept (not the bare page), with its runs."""
    return [(c, runs[c.name]) for c in contestants if c.accept is not None]


def render_markdown(results: dict, contestants: list = CONTESTANTS) -> str:
    env, runs, sizes, front = results["env"], results["runs"], results["sizes"], results["front"]
    lines = [
        "# Consent widgets in headless Chromium",
        "",
        f"Measured {env['date']} with {env['chromium']}, on {env['cpu']}, {env['cores']} cores; "
        f"load average (1 min) {env['load1_start']:.1f} at the start, {env['load1_end']:.1f} at the end. "
        f"Page {PAGE} of Hesbynett's site; {CPU_SLOWDOWN}× CPU slowdown, 150 ms latency, 1.6 Mbps down, "
        f"750 kbps up, 412×823 mobile viewport; fresh profile per run; {env['runs']} runs per contestant, "
        "interleaved; medians. Served from 127.0.0.1 with "
        f"{'brotli' if any('br' in a for a in env['accept_encoding']) else 'gzip'} "
        f"(Chromium sent `Accept-Encoding: {', '.join(sorted(env['accept_encoding']))}`). "
        f"The analytics stand-in comes from its own origin, {env['analytics_url'].rsplit('/', 1)[0]}, for every contestant.",
        "",
        "## First visit",
        "",
        "| contestant | version | FCP (ms) | banner rendered (ms) | rendered − FCP (ms) | banner frame: painted / opaque (ms) | CLS | "
        "script (ms) | long tasks | blocking (ms) | JS heap after GC (MB) | transferred (KB) | requests |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for c in contestants:
        rs = runs[c.name]
        # The banner's paint against the FCP of the same (probed) visit.
        delta = med([r["rendered_ms"] - r["probed_fcp_ms"] for r in rs
                     if r["rendered_ms"] is not None and r.get("probed_fcp_ms") is not None])
        frame = "–" if c.banner is None else f"{fmt(med(r['painted_ms'] for r in rs))} / {fmt(med(r['opaque_ms'] for r in rs))}"
        lines.append(
            f"| {c.name} | {c.version} | {fmt(med(r['fcp_ms'] for r in rs))} | {fmt(med(r['rendered_ms'] for r in rs))} | "
            f"{fmt(delta)} | {frame} | {fmt(med(r['cls'] for r in rs), 3)} | "
            f"{fmt(med(r['script_ms'] for r in rs))} | {fmt(med(r['longtasks'] for r in rs))} | "
            f"{fmt(med(r['blocking_ms'] for r in rs))} | {fmt(med(r['heap_gc_mb'] for r in rs), 2)} | "
            f"{fmt(med(r['bytes'] for r in rs) / 1024, 1)} | {fmt(med(r['requests'] for r in rs))} |")
    lines += [
        "",
        "All times from navigation start. *Banner rendered* is the Element Timing render time of the "
        "banner's first paint, on the same clock as FCP (both presentation times), so *rendered − FCP* "
        f"is the target's measure (≤ one frame, {FRAME_MS:.1f} ms). Element Timing does not report "
        "a banner that fades in from opacity 0 (cookieconsent): there, only the *banner frame* columns "
        "apply: the start of the first animation frame in which the banner shows at any opacity "
        "(painted) and fully faded in (opaque); a frame starts before its paint reaches the screen, "
        "so these run earlier than FCP-like times. Script is Performance.getMetrics' ScriptDuration "
        "for the whole visit; blocking is the sum of each long task's time over 50 ms. FCP, script, "
        "long tasks, blocking and the heap come from a second first visit per run without the banner "
        "probe (a MutationObserver over every node and a style read per frame, whose own script ran "
        "before first paint and only on pages with a banner); the banner columns and *rendered − FCP* "
        "from the probed visit.",
        "",
        "## Consent and the return visit",
        "",
        "| contestant | stand-in ran before consent | ran after “accept all” | banner flashed on return visit | ran on return visit |",
        "|---|--:|--:|--:|--:|",
    ]
    for c, rs in with_consent(contestants, runs):
        n = len(rs)
        count = lambda key: sum(1 for r in rs if r.get(key))  # noqa: E731
        flashed = sum(1 for r in rs if r.get("return_banner_frames", 0) > 0)
        lines.append(f"| {c.name} | {count('ran_before_consent')}/{n} | {count('ran_after_accept')}/{n} | "
                     f"{flashed}/{n} | {count('ran_on_return')}/{n} |")

    def fetched(lists: list) -> str:
        """Each URL fetched over the network, in how many of the runs."""
        seen: dict = {}
        for urls in lists:
            for u in set(urls):
                u = "stand-in" if u == env["analytics_url"] else u
                seen[u] = seen.get(u, 0) + 1
        return ", ".join(f"`{u}` {k}/{len(lists)}" for u, k in sorted(seen.items())) or "nothing"

    lines += [
        "",
        "What the return visit fetched over the network rather than from the browser's cache, and, "
        "after \u201caccept all\u201d, when the stand-in ran on it (performance.now()); after \u201creject all\u201d "
        "(a separate first visit), whether the stand-in was fetched or the banner showed.",
        "",
        "| contestant | after accept: stand-in ran (ms) | after accept: fetched | after reject: fetched | "
        "after reject: stand-in fetched / ran / banner flashed |",
        "|---|--:|---|---|---|",
    ]
    for c, rs in with_consent(contestants, runs):
        rj = [r["after_reject"] for r in rs if "after_reject" in r]
        reject = (f"{fetched([r['return_fetched'] for r in rj])} | "
                  f"{sum(r['analytics_fetched'] for r in rj)}/{len(rj)} / {sum(r['ran'] for r in rj)}/{len(rj)} / "
                  f"{sum(1 for r in rj if r['banner_frames'] > 0)}/{len(rj)}") if rj else "– | –"
        lines.append(f"| {c.name} | {fmt(med(r.get('ran_on_return_ms') for r in rs))} | "
                     f"{fetched([r.get('return_fetched', []) for r in rs])} | {reject} |")
    lines += [
        "",
        "## The widget's own bytes",
        "",
        "What each tool adds to what a visitor downloads: its files, and what it adds to the page "
        "(inline configuration, markup, script tags; the compressed page minus the compressed bare "
        "page). Samtykke's row also counts the rules of style.css that only its banner and dialog use. "
        "gzip -9 and brotli -q 11.",
        "",
        "| contestant | raw | gzip | brotli | made of (brotli bytes) |",
        "|---|--:|--:|--:|---|",
    ]
    for c in contestants:
        if c.name == "none":
            continue
        s = sizes[c.name]
        parts = "; ".join(f"{r['what']}: {r['brotli']}" for r in s["rows"])
        lines.append(f"| {c.name} | {s['raw']:,} | {s['gzip']:,} | {s['brotli']:,} | {parts} |".replace(",", " "))
    floor = front["none"]["total"] if "none" in front else None
    lines += [
        "",
        "## A first visit to the front page",
        "",
        f"Everything a first visit to {FRONT} downloads, brotli -q 11, in bytes: the HTML and the CSS, JS and "
        "WASM it loads (images and the favicon left out; a tool's configuration file counts as JS). "
        "*Added* is the total minus that of the page without a consent tool (none).",
        "",
        "| contestant | HTML | CSS | JS | WASM | total | added |",
        "|---|--:|--:|--:|--:|--:|--:|",
    ]
    for c in contestants:
        f = front[c.name]
        added = "–" if floor is None or c.name == "none" else f"{f['total'] - floor:,}"
        lines.append(f"| {c.name} | {f['html']:,} | {f['css']:,} | {f['js']:,} | {f['wasm']:,} | {f['total']:,} | {added} |"
                     .replace(",", " "))
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--only", help="comma-separated contestants (for trying a configuration)")
    args = ap.parse_args()
    contestants = [c for c in CONTESTANTS if not args.only or c.name in args.only.split(",")]

    # The stand-in's "third-party" origin first: its URL goes into the build and every config.
    shutil.rmtree(THIRD_PARTY, ignore_errors=True)
    THIRD_PARTY.mkdir(parents=True)
    shutil.copy2(CONFIGS / "analytics.js", THIRD_PARTY / "analytics.js")
    third_party = serve(THIRD_PARTY)
    analytics_url = f"http://127.0.0.1:{third_party.server_address[1]}/analytics.js"
    prepared = prepare(analytics_url)
    servers = {c.name: serve(prepared["roots"][c.name]) for c in contestants}
    env = {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "chromium": subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True).stdout.strip(),
        "cpu": next((l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines()
                     if l.startswith("model name")), "?"),
        "cores": os.cpu_count(),
        "runs": args.runs,
        "load1_start": os.getloadavg()[0],
    }
    runs = {c.name: [] for c in contestants}
    try:
        for turn in range(args.runs):
            # Rotate the order each round, so no contestant always runs first or last.
            order = contestants[turn % len(contestants):] + contestants[:turn % len(contestants)]
            for c in order:
                origin = f"http://127.0.0.1:{servers[c.name].server_address[1]}"
                # The quiet and the probed visit in turn first: the second browser of a pair
                # started slower in every contestant's runs.
                if turn % 2:
                    quiet = run_quiet(c, origin, WORK / "profile")
                    r = run_once(c, origin, WORK / "profile")
                else:
                    r = run_once(c, origin, WORK / "profile")
                    quiet = run_quiet(c, origin, WORK / "profile")
                r["probed"] = {k: r[k] for k in quiet}
                r["probed_fcp_ms"] = r["fcp_ms"]
                r.update(quiet)
                if c.reject:
                    r["after_reject"] = run_reject(c, origin, WORK / "profile", analytics_url)
                runs[c.name].append(r)
                print(f"  run {turn + 1}/{args.runs} {c.name:22} FCP {fmt(r['fcp_ms'])} ms, banner {fmt(r['painted_ms'])} ms, "
                      f"script {fmt(r['script_ms'])} ms, {r['bytes'] / 1024:.1f} KB"
                      f"{', return flash' if r.get('return_banner_frames') else ''}"
                      f"{', TIMED OUT' if r['timed_out'] else ''}", flush=True)
    finally:
        for s in [*servers.values(), third_party]:
            s.shutdown()
    env["load1_end"] = os.getloadavg()[0]
    env["accept_encoding"] = sorted(Handler.encodings_seen)

    env["analytics_url"] = analytics_url
    results = {"env": env, "runs": runs, "sizes": prepared["sizes"], "front": prepared["front"],
               "widget_only_classes": prepared["widget_only_classes"], "css_bytes": prepared["css_bytes"]}
    if args.only:
        print(json.dumps({k: results[k] for k in ("sizes", "front")}, indent=1))
        print(render_markdown(results, [c for c in CONTESTANTS if c in contestants]))
        return
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "widget.json").write_text(json.dumps(results, indent=1) + "\n")
    md = render_markdown(results)
    (RESULTS / "widget.md").write_text(md)
    print()
    print(md)


if __name__ == "__main__":
    main()
