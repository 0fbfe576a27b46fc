#!/usr/bin/env python3
"""Generator benchmark: `samtykke build` against Zola and Hugo on synthetic sites, and on
Hesbynett's site.

    python3 bench/bench_generator.py [--runs 5] [--sizes 1000,10000]

The binary is target/release/samtykke, or $SAMTYKKE_BIN. Hugo comes from Debian (apt-get install
hugo). Zola is not on the package registries: build it from its source with `cargo build
--release --locked` and point $ZOLA_BIN at the binary (or put `zola` on PATH); without it the Zola
rows are left out and the run says so.

For each size, Samtykke and each reference build the same pages (bench/gen_sites.py) as alternating pairs,
A B, B A, A B, ..., so that whatever else the machine is doing weighs on both alike; the ratio of
each pair is taken, then the median of those ratios. Every run is wrapped in `/usr/bin/time -v`
for peak RSS and CPU time; wall time is taken around it with a monotonic clock.

Scenarios:
  clean    each run builds into a directory that does not exist yet (the usual CI build).
  rebuild  each run builds over the output of the previous run of the same generator (an
           editor's second build). Samtykke swaps in a new tree and hands the old one to a
           background process that removes it after the command has returned; the bench waits,
           untimed, until it is gone before the next run, and reports how long that took. Hugo
           overwrites files in place; Zola (`build --force`) deletes the old tree first. Only
           for the largest size, fewer runs.
  self     Samtykke's rebuild against its own clean build, as alternating pairs (the target is a
           rebuild no slower than 1.1 × a clean build).
  precompress  Samtykke's clean build of the largest size with its default `.br`/`.gz` siblings
           (the other scenarios pass --no-precompress, as Hugo and Zola write none).

All render the same Markdown; Samtykke with its full theme and `--no-widget`, Hugo and Zola with
templates that write the same page (bench/hugo, bench/zola: head, banner, navigation, footer,
preferences dialog).

Old output trees are deleted only at the very end: on ext4, creating inodes right after deleting
thousands of others is slow (the allocator skips recently deleted inodes), which would charge
one run for the clean-up of the one before it.

Writes bench/results/generator.json (every run) and bench/results/generator.md (the tables).
"""

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
CACHE = BENCH / "cache"
OUT = Path(os.environ.get("BENCH_OUT", BENCH / "out")) / "generator"
RESULTS = BENCH / "results"
# The synthetic sites: no widget (the references have none) and no .br/.gz siblings (they write none).
SYNTHETIC = ["--no-widget", "--no-precompress"]


def sh(*cmd: str) -> str:
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip()


def old_trees(out: Path) -> list[Path]:
    """The staging and old trees `samtykke build` leaves beside `out` while it removes them."""
    return [p for p in out.parent.glob(f".{out.name}.*-*") if p.is_dir()]


def wait_removed(out: Path) -> float:
    """Waits (untimed by the caller) until Samtykke's background removal of the old tree beside
    `out` is done; returns how long that took. Gives up after 10 minutes."""
    started = time.perf_counter()
    while old_trees(out):
        if time.perf_counter() - started > 600:
            sys.exit(f"the old tree beside {out} is still there after 10 minutes")
        time.sleep(0.02)
    return time.perf_counter() - started


def timed(cmd: list[str]) -> dict:
    """Runs cmd under /usr/bin/time -v; returns wall seconds, CPU seconds and peak RSS."""
    report = CACHE / "time-v.txt"
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-v", "-o", str(report), *cmd], capture_output=True, text=True)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stdout}\n{proc.stderr}")
    text = report.read_text()

    def field(name: str) -> float:
        return float(re.search(rf"^\s*{re.escape(name)}: (.+)$", text, re.M).group(1))

    return {
        "wall_s": wall,
        "user_s": field("User time (seconds)"),
        "sys_s": field("System time (seconds)"),
        "rss_mb": field("Maximum resident set size (kbytes)") / 1024,
        "load1": load_before,
    }


class Runner:
    """Hands out fresh output directories and remembers them for the final clean-up."""

    def __init__(self, samtykke: Path, hugo: str, zola: str | None):
        self.samtykke, self.hugo, self.zola = samtykke, hugo, zola
        self.serial = 0

    def fresh_out(self, name: str) -> Path:
        self.serial += 1
        return OUT / f"{name}-{self.serial:03d}"

    def samtykke_cmd(self, root: Path, out: Path, extra: list[str]) -> list[str]:
        return [str(self.samtykke), "--root", str(root), "build", "--out", str(out), *extra]

    def hugo_cmd(self, source: Path, out: Path) -> list[str]:
        # --quiet: the build summary on stdout is not what is measured. The cache dir is kept
        # between runs, as on a developer's machine (it only holds the fingerprinted CSS).
        return [self.hugo, "--source", str(source), "--destination", str(out),
                "--cacheDir", str(CACHE / "hugo-cache"), "--quiet"]

    def zola_cmd(self, root: Path, out: Path) -> list[str]:
        # --force: Zola refuses an existing output directory without it (the rebuild scenario).
        return [self.zola, "--root", str(root), "build", "--output-dir", str(out), "--force"]

    def reference_cmd(self, name: str, root: Path, out: Path) -> list[str]:
        return self.hugo_cmd(root, out) if name == "hugo" else self.zola_cmd(root, out)


def summarize(runs: list[dict]) -> dict:
    walls = [r["wall_s"] for r in runs]
    return {
        "runs": len(runs),
        "wall_median_s": statistics.median(walls),
        "wall_min_s": min(walls),
        "wall_max_s": max(walls),
        "cpu_median_s": statistics.median(r["user_s"] + r["sys_s"] for r in runs),
        "user_median_s": statistics.median(r["user_s"] for r in runs),
        "rss_median_mb": statistics.median(r["rss_mb"] for r in runs),
        "load1_median": statistics.median(r["load1"] for r in runs),
    }


def case(site: str, generator: str, runs: list[dict]) -> dict:
    return {"site": site, "generator": generator, "runs": runs, "summary": summarize(runs)}


def alternate(a, b, runs: int, names=("samtykke", "hugo")) -> tuple[list[dict], list[dict], list[float]]:
    """Runs the pair `runs` times, A first on even turns and B first on odd ones."""
    ra, rb, ratios = [], [], []
    for turn in range(runs):
        first, second = (a, b) if turn % 2 == 0 else (b, a)
        x, y = first(), second()
        xa, xb = (x, y) if turn % 2 == 0 else (y, x)
        ra.append(xa)
        rb.append(xb)
        ratios.append(xa["wall_s"] / xb["wall_s"])
        print(f"    pair {turn + 1}/{runs}: {names[0]} {xa['wall_s']:.2f} s, {names[1]} {xb['wall_s']:.2f} s, "
              f"ratio {ratios[-1]:.2f} (load {xa['load1']:.1f})", flush=True)
    return ra, rb, ratios


def label(pages: int) -> str:
    return f"{pages // 1000}k" if pages % 1000 == 0 else str(pages)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5, help="alternating pairs per size (default 5)")
    ap.add_argument("--rebuild-runs", type=int, default=3, help="pairs for the rebuild scenario (0: skip)")
    ap.add_argument("--sizes", default="1000,10000")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    hugo = shutil.which("hugo") or sys.exit("hugo not found: apt-get install hugo")
    zola = os.environ.get("ZOLA_BIN") or shutil.which("zola")
    if zola and not Path(zola).exists():
        sys.exit(f"ZOLA_BIN={zola} does not exist")
    if not zola:
        print("zola not found (it is not on the package registries; build it from its source and "
              "set ZOLA_BIN): comparing against Hugo only", flush=True)
    references = ["zola", "hugo"] if zola else ["hugo"]
    # A private copy of the binary: the shared target/ may be rebuilt by someone else mid-run.
    built = Path(os.environ.get("SAMTYKKE_BIN") or REPO / "target" / "release" / "samtykke")
    if not built.exists():
        sys.exit(f"{built} missing: cargo build --release -p samtykke, or set SAMTYKKE_BIN")
    (CACHE / "bin").mkdir(parents=True, exist_ok=True)
    samtykke = CACHE / "bin" / "samtykke"
    shutil.copy2(built, samtykke)
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    runner = Runner(samtykke, hugo, zola)

    env = {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "cpu": next((l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines()
                     if l.startswith("model name")), platform.processor()),
        "cores": os.cpu_count(),
        "kernel": platform.release(),
        "samtykke_commit": sh("git", "-C", str(REPO), "rev-parse", "--short", "HEAD"),
        "samtykke_tree_dirty": bool(sh("git", "-C", str(REPO), "status", "--porcelain", "--", "generator", "themes")),
        "samtykke_bin": os.environ.get("SAMTYKKE_BIN"),
        "hugo": sh(hugo, "version").split(" BuildDate")[0],
        "zola": sh(zola, "--version") if zola else None,
        "output_dir": str(OUT),
        "load1_start": os.getloadavg()[0],
    }
    results = {"env": env, "cases": {}, "pairs": {}}

    for pages in sizes:
        site = CACHE / "sites" / label(pages)
        print(f"generating {label(pages)} pages", flush=True)
        subprocess.run([sys.executable, str(BENCH / "gen_sites.py"), "--pages", str(pages), "--out", str(site)], check=True)
        s_root = site / "samtykke"

        def run_s(root=s_root, name=f"samtykke-{label(pages)}"):
            return timed(runner.samtykke_cmd(root, runner.fresh_out(name), SYNTHETIC))

        for ref in references:
            def run_r(ref=ref, root=site / ref, name=f"{ref}-{label(pages)}"):
                return timed(runner.reference_cmd(ref, root, runner.fresh_out(name)))

            # One untimed build each: page cache, Hugo's resource cache.
            run_s(), run_r()
            print(f"  clean build, {label(pages)} pages, against {ref}: {args.runs} alternating pairs", flush=True)
            ra, rb, ratios = alternate(run_s, run_r, args.runs, ("samtykke", ref))
            results["cases"][f"samtykke-{label(pages)}-vs-{ref}"] = case(f"{label(pages)} pages (pairs with {ref})", "samtykke", ra)
            results["cases"][f"{ref}-{label(pages)}"] = case(f"{label(pages)} pages", ref, rb)
            results["pairs"][f"clean-{label(pages)}-{ref}"] = {
                "what": f"{label(pages)} pages, clean build", "reference": ref, "ratios": ratios}

    if args.rebuild_runs > 0:
        pages = max(sizes)
        site = CACHE / "sites" / label(pages)
        s_out = OUT / f"rebuild-samtykke-{label(pages)}"
        lags = []

        def rebuild_s() -> dict:
            run = timed(runner.samtykke_cmd(site / "samtykke", s_out, SYNTHETIC))
            lags.append(wait_removed(s_out))   # untimed: the old tree's background removal
            return run

        rebuild_s()   # the first build leaves the output the next ones replace
        lags.clear()
        for ref in references:
            r_out = OUT / f"rebuild-{ref}-{label(pages)}"
            run_r = lambda ref=ref, r_out=r_out: timed(runner.reference_cmd(ref, site / ref, r_out))  # noqa: E731
            run_r()
            print(f"  rebuild over the previous output, {label(pages)} pages, against {ref}: "
                  f"{args.rebuild_runs} pairs", flush=True)
            ra, rb, ratios = alternate(rebuild_s, run_r, args.rebuild_runs, ("samtykke", ref))
            what = f"{label(pages)} pages, rebuild over the last output"
            results["cases"][f"samtykke-{label(pages)}-rebuild-vs-{ref}"] = case(f"{what} (pairs with {ref})", "samtykke", ra)
            results["cases"][f"{ref}-{label(pages)}-rebuild"] = case(what, ref, rb)
            results["pairs"][f"rebuild-{label(pages)}-{ref}"] = {"what": what, "reference": ref, "ratios": ratios}
        results["removal_lag_s"] = lags

        print(f"  Samtykke's rebuild against its own clean build, {label(pages)} pages: {args.rebuild_runs} pairs", flush=True)
        clean = lambda: timed(runner.samtykke_cmd(site / "samtykke", runner.fresh_out("self-clean"), SYNTHETIC))  # noqa: E731
        rr, rc, self_ratios = alternate(rebuild_s, clean, args.rebuild_runs, ("rebuild", "clean"))
        results["self"] = {"what": f"{label(pages)} pages, Samtykke rebuild / Samtykke clean",
                           "ratios": self_ratios}

        print(f"  clean build with precompression (the default), {label(pages)} pages: 2 runs", flush=True)
        packed = [timed(runner.samtykke_cmd(site / "samtykke", runner.fresh_out("precompress"), ["--no-widget"]))
                  for _ in range(2)]
        results["cases"][f"samtykke-{label(pages)}-precompress"] = case(
            f"{label(pages)} pages, clean, with .br/.gz (the default)", "samtykke", packed)

    # As an editor builds it: the widget built into the binary, with .br/.gz siblings, clean.
    print(f"  Hesbynett site: {args.runs} runs", flush=True)
    runs = [timed(runner.samtykke_cmd(REPO, runner.fresh_out("hesbynett"), [])) for _ in range(args.runs + 1)]
    pages = sum(1 for _ in (REPO / "content").rglob("*.md"))
    what = f"Hesbynett ({pages} Markdown files, the embedded widget, clean build with .br/.gz)"
    results["cases"]["samtykke-hesbynett"] = case(what, "samtykke", runs[1:])   # runs[0] warmed the cache
    env["load1_end"] = os.getloadavg()[0]

    print("  deleting the output trees", flush=True)
    shutil.rmtree(OUT)

    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "generator.json").write_text(json.dumps(results, indent=1) + "\n")
    md = render_markdown(results)
    (RESULTS / "generator.md").write_text(md)
    print()
    print(md)


def render_markdown(results: dict) -> str:
    env, cases, pairs = results["env"], results["cases"], results["pairs"]
    refs = list(dict.fromkeys(p.get("reference", "hugo") for p in pairs.values()))
    lines = [
        "# Generator: Samtykke against " + (" and ".join(r.capitalize() for r in refs)),
        "",
        f"Measured {env['date']} on {env['cpu']}, {env['cores']} cores, Linux {env['kernel']}; "
        f"samtykke at {env['samtykke_commit']}{' (with uncommitted changes)' if env['samtykke_tree_dirty'] else ''}"
        + (f" (the binary: {env['samtykke_bin']})" if env.get("samtykke_bin") else "") + ", "
        + (f"{env['zola']} (built from its source, `cargo build --release --locked`), " if env.get("zola") else
           "Zola not run (not on the package registries, and no ZOLA_BIN), ")
        + f"{env['hugo']}. Load average (1 min) {env['load1_start']:.1f} at the start, "
        f"{env['load1_end']:.1f} at the end: other work shared the machine, which the alternating pairs "
        "spread over both generators alike.",
        "",
        "Wall time and CPU time (user + system) are medians; peak RSS is the median of "
        "`/usr/bin/time -v`'s maximum resident set size.",
        "",
        "| site | generator | runs | wall, median (s) | wall, min–max (s) | CPU, median (s) | peak RSS (MB) |",
        "|---|---|--:|--:|--:|--:|--:|",
    ]
    for c in cases.values():
        s = c["summary"]
        lines.append(f"| {c['site']} | {c['generator']} | {s['runs']} | {s['wall_median_s']:.3f} | "
                     f"{s['wall_min_s']:.3f}–{s['wall_max_s']:.3f} | {s['cpu_median_s']:.3f} | {s['rss_median_mb']:.0f} |")
    lines += [
        "",
        "Ratios of pairs run alternately (Samtykke's wall time over the reference's; below 1 means "
        "Samtykke is faster):",
        "",
        "| pair | reference | median ratio | reference / Samtykke | each pair |",
        "|---|---|--:|--:|---|",
    ]
    for p in pairs.values():
        ratios = p["ratios"]
        m = statistics.median(ratios)
        lines.append(f"| {p['what']} | {p.get('reference', 'hugo')} | {m:.2f} | {1 / m:.1f}× | "
                     f"{', '.join(f'{r:.2f}' for r in ratios)} |")
    if "self" in results:
        ratios = results["self"]["ratios"]
        lags = results.get("removal_lag_s", [])
        lines += [
            "",
            f"**{results['self']['what']}**, alternating pairs: median ratio "
            f"{statistics.median(ratios):.2f} (each pair: {', '.join(f'{r:.2f}' for r in ratios)}; target ≤ 1.1). "
            "The old tree is removed by a background process after `build` has returned; the bench "
            "waits for it, untimed, before the next run"
            + (f": it was gone {statistics.median(lags):.2f} s (median; {min(lags):.2f}–{max(lags):.2f} s) "
               "after the command returned." if lags else "."),
        ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
