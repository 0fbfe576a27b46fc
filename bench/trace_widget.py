#!/usr/bin/env python3
"""Where a first visit's time goes before first contentful paint: a Chromium trace of the bare
page ("none") and of Samtykke's, under the widget bench's mobile profile.

    bench/cache/venv/bin/python bench/trace_widget.py [--runs 3] [--only none,samtykke]

It prepares the pages exactly as bench_widget.py does (same build, same server, same throttling)
and records each first visit with the DevTools Tracing domain. For each contestant it prints the
medians of: FCP; when each request was sent and finished (navigation start = 0); the main-thread
work before FCP by kind (HTML parsing, script evaluation and compilation, WASM, style and layout,
paint); and the longest task. Writes bench/results/widget-trace.md.
"""

import argparse
import json
import shutil
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_widget as bw  # noqa: E402

CATEGORIES = ["devtools.timeline", "disabled-by-default-devtools.timeline", "loading", "blink.user_timing",
              "v8", "v8.execute", "toplevel", "disabled-by-default-v8.compile"]

# Main-thread trace events and the kind of work each stands for; nested events are attributed
# to the innermost one listed here.
KINDS = {
    "ParseHTML": "parse HTML", "ParseAuthorStyleSheet": "parse CSS",
    "EvaluateScript": "script", "v8.evaluateModule": "script", "FunctionCall": "script",
    "v8.compile": "compile JS", "v8.compileModule": "compile JS", "v8.produceModuleCache": "compile JS",
    "wasm.SyncCompile": "WASM", "wasm.CompileLazy": "WASM", "v8.wasm.streamFromResponseCallback": "WASM",
    "v8.wasm.compiledModule": "WASM", "v8.wasm.finishedStreaming": "WASM", "wasm.CompilationAfterDeserialization": "WASM",
    "UpdateLayoutTree": "style", "RecalculateStyles": "style", "Layout": "layout",
    "PrePaint": "paint", "Paint": "paint", "Layerize": "paint", "UpdateLayer": "paint", "Commit": "paint",
    "HitTest": "other", "MinorGC": "GC", "MajorGC": "GC", "V8.GC_SCAVENGER": "GC",
}


def trace_once(c: bw.Contestant, origin: str, profile: Path) -> dict:
    browser = bw.Browser(profile)
    try:
        cdp = browser.cdp
        for method, params in [("Page.enable", {}), ("Network.enable", {}),
                               ("Emulation.setDeviceMetricsOverride", bw.VIEWPORT),
                               ("Emulation.setCPUThrottlingRate", {"rate": bw.CPU_SLOWDOWN}),
                               ("Network.emulateNetworkConditions", bw.NETWORK)]:
            cdp.send(method, params)
        cdp.send("Tracing.start", {"transferMode": "ReportEvents",
                                   "traceConfig": {"includedCategories": CATEGORIES}})
        # Without the banner probe, whose own callbacks would show up as script before FCP.
        v = bw.visit(cdp, origin + bw.PAGE, c, first=True, watch_banner=False)
        cdp.send("Tracing.end")
        events = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            done = any(e["method"] == "Tracing.tracingComplete" for e in cdp.events)
            for e in cdp.events:
                if e["method"] == "Tracing.dataCollected":
                    events.extend(e["params"]["value"])
            cdp.events = [e for e in cdp.events if e["method"] not in ("Tracing.dataCollected",)]
            if done:
                break
            cdp.pump(0.5)
        return analyse(events, v["probe"].get("fcp"))
    finally:
        browser.quit()


def analyse(events: list, fcp_probe) -> dict:
    # The renderer's main thread: the one named CrRendererMain that ran ParseHTML.
    names = {(e["pid"], e["tid"]): e["args"]["name"] for e in events
             if e.get("ph") == "M" and e.get("name") == "thread_name"}
    parse = [e for e in events if e.get("name") == "ParseHTML"
             and e.get("args", {}).get("beginData", {}).get("url", "").endswith(bw.PAGE)]
    main = (parse[0]["pid"], parse[0]["tid"]) if parse else None
    # The page's own navigation start: the last one on that thread before its HTML is parsed.
    nav = [e for e in events if e.get("name") == "navigationStart" and (e["pid"], e["tid"]) == main
           and e["ts"] <= parse[0]["ts"]] if parse else []
    if not main or not nav or names.get(main) != "CrRendererMain":
        return {"error": "no renderer main thread or navigationStart in the trace"}
    t0 = nav[-1]["ts"]
    fcp = [e for e in events if e.get("name") == "firstContentfulPaint" and e["pid"] == main[0] and e["ts"] >= t0]
    fcp_ms = (fcp[0]["ts"] - t0) / 1000 if fcp else fcp_probe
    # Requests: send, response, finish (network thread events carry the request id).
    reqs = defaultdict(dict)
    for e in events:
        n, d = e.get("name"), e.get("args", {}).get("data", {})
        if n == "ResourceSendRequest":
            reqs[d["requestId"]].update(url=d.get("url", ""), sent=(e["ts"] - t0) / 1000,
                                        priority=d.get("priority"))
        elif n == "ResourceReceiveResponse":
            reqs[d["requestId"]]["response"] = (e["ts"] - t0) / 1000
        elif n == "ResourceFinish":
            reqs[d["requestId"]]["finished"] = (e["ts"] - t0) / 1000
            reqs[d["requestId"]]["bytes"] = d.get("encodedDataLength")
    requests = {}
    for r in reqs.values():
        if "url" not in r:
            continue
        path = urlsplit(r["url"]).path
        base = path.rsplit("/", 1)[-1]
        parts = base.split(".")
        # Fingerprints dropped: samtykke.3490883ec5.wasm -> samtykke.wasm.
        requests[path if not base else parts[0] + "." + parts[-1] if len(parts) > 1 else base] = r
    # Main-thread work before FCP, by kind: each listed event's time within [navigation start,
    # FCP], less that of the listed events nested in it (the innermost listed event wins).
    spans = sorted((e for e in events if (e["pid"], e["tid"]) == main and e.get("ph") == "X" and "dur" in e),
                   key=lambda e: (e["ts"], -e["dur"]))
    limit = t0 + (fcp_ms or 0) * 1000
    clip = lambda e: max(0, min(e["ts"] + e["dur"], limit) - max(e["ts"], t0)) / 1000  # noqa: E731
    cover = defaultdict(float)
    stack, tasks = [], []
    for i, e in enumerate(spans):
        while stack and stack[-1][0] <= e["ts"]:
            stack.pop()
        if e["name"] == "RunTask" and not stack and e["ts"] >= t0:
            tasks.append(((e["ts"] - t0) / 1000, e["dur"] / 1000))
        if e["name"] in KINDS:
            parent = next((j for _, j in reversed(stack) if spans[j]["name"] in KINDS), None)
            if parent is not None:
                cover[parent] += clip(e)
        stack.append((e["ts"] + e["dur"], i))
    kinds = defaultdict(float)
    # Script time before FCP by what ran it: the event and its script (file and line; an inline
    # script is the page's URL and the line it starts on), so a cost can be pinned to its source.
    scripts = defaultdict(float)
    for i, e in enumerate(spans):
        if e["name"] in KINDS:
            own = clip(e) - cover[i]
            kinds[KINDS[e["name"]]] += own
            if KINDS[e["name"]] in ("script", "compile JS") and own > 0:
                d = e.get("args", {}).get("data", {}) or e.get("args", {})
                where = urlsplit(d.get("url", "") or d.get("fileName", "")).path or "?"
                line = d.get("lineNumber", d.get("line", ""))
                function = f" {d['functionName']}()" if d.get("functionName") else ""
                scripts[f"{e['name']}{function} {where}:{line}"] += own
    before_fcp = [d for s, d in tasks if s < (fcp_ms or 0)]
    return {
        "fcp_ms": fcp_ms,
        "requests": requests,
        "kinds": dict(kinds),
        "scripts": dict(scripts),
        "busy_before_fcp_ms": sum(min(d, (fcp_ms or 0) - s) for s, d in tasks if s < (fcp_ms or 0)),
        "longest_task_ms": max((d for _, d in tasks), default=0),
        "longest_task_before_fcp_ms": max(before_fcp, default=0),
        "tasks_over_50": [(round(s), round(d)) for s, d in tasks if d > 50],
    }


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def report(results: dict, env: dict) -> str:
    lines = ["# Where the first visit's time goes before FCP", "",
             f"Measured {env['date']}, load average (1 min) {env['load1_start']:.1f} at the start, "
             f"{env['load1_end']:.1f} at the end; {env['runs']} traced first visits per contestant, medians; "
             f"page {bw.PAGE}, {bw.CPU_SLOWDOWN}× CPU, 150 ms latency, 1.6 Mbps. `bench/trace_widget.py`.", ""]
    for name, runs in results.items():
        runs = [r for r in runs if "error" not in r]
        if not runs:
            continue
        lines += [f"## {name}", "", f"FCP {med(r['fcp_ms'] for r in runs):.0f} ms; main thread busy before FCP "
                  f"{med(r['busy_before_fcp_ms'] for r in runs):.0f} ms; longest task {med(r['longest_task_ms'] for r in runs):.0f} ms "
                  f"(before FCP: {med(r['longest_task_before_fcp_ms'] for r in runs):.0f} ms).", "",
                  "| request | priority | sent (ms) | response (ms) | finished (ms) | bytes |", "|---|---|--:|--:|--:|--:|"]
        urls = sorted({u for r in runs for u in r["requests"]},
                      key=lambda u: med(r["requests"].get(u, {}).get("sent") for r in runs) or 0)
        for u in urls:
            rs = [r["requests"][u] for r in runs if u in r["requests"]]
            f = lambda k: med(x.get(k) for x in rs)  # noqa: E731
            fmt = lambda v: "–" if v is None else f"{v:.0f}"  # noqa: E731
            lines.append(f"| {u} | {rs[0].get('priority', '')} | {fmt(f('sent'))} | {fmt(f('response'))} | "
                         f"{fmt(f('finished'))} | {fmt(f('bytes'))} |")
        kinds = sorted({k for r in runs for k in r["kinds"]})
        lines += ["", "| main-thread work before FCP | ms |", "|---|--:|"]
        for k in kinds:
            lines.append(f"| {k} | {med(r['kinds'].get(k, 0) for r in runs):.1f} |")
        scripts = sorted({k for r in runs for k in r.get("scripts", {})},
                         key=lambda k: -med(r.get("scripts", {}).get(k, 0) for r in runs))
        if scripts:
            lines += ["", "| script and compile time before FCP, by event and source | ms |", "|---|--:|"]
            for k in scripts:
                lines.append(f"| `{k}` | {med(r['scripts'].get(k, 0) for r in runs):.1f} |")
        lines.append("")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--only", default="none,samtykke")
    args = ap.parse_args()
    contestants = [c for c in bw.CONTESTANTS if c.name in args.only.split(",")]
    shutil.rmtree(bw.THIRD_PARTY, ignore_errors=True)
    bw.THIRD_PARTY.mkdir(parents=True)
    shutil.copy2(bw.CONFIGS / "analytics.js", bw.THIRD_PARTY / "analytics.js")
    third_party = bw.serve(bw.THIRD_PARTY)
    prepared = bw.prepare(f"http://127.0.0.1:{third_party.server_address[1]}/analytics.js")
    servers = {c.name: bw.serve(prepared["roots"][c.name]) for c in contestants}
    import os
    env = {"date": time.strftime("%Y-%m-%d %H:%M %Z"), "runs": args.runs, "load1_start": os.getloadavg()[0]}
    results = {c.name: [] for c in contestants}
    try:
        for turn in range(args.runs):
            for c in contestants[turn % len(contestants):] + contestants[:turn % len(contestants)]:
                r = trace_once(c, f"http://127.0.0.1:{servers[c.name].server_address[1]}", bw.WORK / "profile")
                results[c.name].append(r)
                print(f"  {c.name}: FCP {r.get('fcp_ms')}, busy {r.get('busy_before_fcp_ms')}", flush=True)
    finally:
        for s in [*servers.values(), third_party]:
            s.shutdown()
    env["load1_end"] = os.getloadavg()[0]
    md = report(results, env)
    (bw.RESULTS / "widget-trace.md").write_text(md)
    (bw.CACHE / "widget-trace.json").write_text(json.dumps(results, indent=1))
    print(md)


if __name__ == "__main__":
    main()
