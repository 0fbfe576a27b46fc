#!/usr/bin/env python3
"""What the inline gate script's steps cost on a first visit, under the widget bench's mobile
profile (fresh profile, 4× CPU): finding the configuration element (by id, then by the named
access the gate uses), parsing it, the first and a second read of localStorage, and marking
<html>, each timed in the page with performance.now(). Not part of run.sh.

Measured 2026-12-02 00:13 UTC, 7 visits, medians: the first DOM access 8.6 ms whichever way
(the named access after it 0.1 ms), JSON.parse 2.0 ms, the first localStorage read 13.0 ms (the
second 0.1 ms: the first waits for the browser to open the origin's storage), classList.add
2.7 ms.

    bench/cache/venv/bin/python bench/gate_cost.py [--runs 5]

The page is Hesbynett's built /personvern/ with a timed copy of the gate in place of the real one
(same configuration, same storage key); run bench/bench_widget.py first, which builds it.
"""

import argparse
import re
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_widget as bw  # noqa: E402

# The gate's own steps, timed one by one (the real gate is one line; this is it spelled out).
TIMED = """<script>{const t=[performance.now()];const el=document.getElementById("samtykke-config");
t.push(performance.now());self["samtykke-config"];t.push(performance.now());
const c=JSON.parse(el.text);t.push(performance.now());let r;try{r=localStorage[c.storage_key]}catch{}
t.push(performance.now());try{localStorage[c.storage_key]}catch{}t.push(performance.now());
document.documentElement.classList.add("sk-ask");t.push(performance.now());
self.__gate=t.slice(1).map((x,i)=>x-t[i])}</script>"""
STEPS = ["getElementById(config)", "then self[config] (named access)", "JSON.parse the config", "first localStorage read",
         "second localStorage read", "classList.add"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    page = bw.WORK / "pages" / "samtykke" / "personvern" / "index.html"
    if not page.is_file():
        sys.exit(f"{page} missing: run bench/bench_widget.py first, which builds it")
    html = page.read_text()
    gate = re.search(r"<script>\{let d=document.*?</script>", html)
    if not gate:
        sys.exit("the gate script was not found in the page")
    with tempfile.TemporaryDirectory() as root:
        Path(root, "personvern").mkdir()
        # Without the CSP meta (the timed gate has no hash in it) and without the widget module.
        timed = html.replace(gate.group(0), TIMED)
        timed = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", timed)
        timed = re.sub(r'<script type="module">.*?</script>', "", timed, flags=re.S)
        Path(root, "personvern", "index.html").write_text(timed)
        server = bw.serve(Path(root))
        results = []
        try:
            for _ in range(args.runs):
                browser = bw.Browser(bw.WORK / "profile")
                try:
                    bw.emulate(browser.cdp)
                    browser.cdp.send("Page.enable")
                    browser.cdp.send("Page.navigate", {"url": f"http://127.0.0.1:{server.server_address[1]}/personvern/"})
                    for _ in range(100):
                        browser.cdp.pump(0.1)
                        got = browser.cdp.evaluate("self.__gate || null")
                        if got:
                            results.append(got)
                            break
                finally:
                    browser.quit()
        finally:
            server.shutdown()
    print(f"{len(results)} first visits, 4× CPU, fresh profile; medians in ms:")
    for i, step in enumerate(STEPS):
        print(f"  {step:28} {statistics.median(r[i] for r in results):7.2f}   "
              f"(each: {', '.join(f'{r[i]:.1f}' for r in results)})")


if __name__ == "__main__":
    main()
