#!/usr/bin/env python3
"""Draws bench/results/chart.svg from bench/results/generator.json and widget.json.

    python3 bench/chart.py

Four panels of horizontal bars, medians as in the tables: generator wall time and peak RSS
(Samtykke against Hugo), the widget contestants' time to banner against their first contentful
paint, and the widgets' own bytes (brotli). Plain SVG written by hand: no plotting library.
"""

import json
import statistics
from html import escape
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
WIDTH, LABEL_W, BAR_H, GAP = 760, 190, 18, 6
OURS, THEIRS, LIGHT = "#0b3d6e", "#8a99a8", "#c9d3dc"


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


class Chart:
    def __init__(self):
        self.parts, self.y = [], 0

    def text(self, x, y, s, size=12, weight="normal", anchor="start", fill="#1b232c"):
        self.parts.append(f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" font-weight="{weight}" '
                          f'text-anchor="{anchor}" fill="{fill}">{escape(s)}</text>')

    def panel(self, title: str, note: str, rows: list[tuple[str, list[tuple[float, str, str]]]]):
        """rows: (label, [(value, colour, value label), ...]); one bar per value, grouped by label."""
        self.y += 28
        self.text(0, self.y, title, 15, "bold")
        self.y += 16
        self.text(0, self.y, note, 11, fill="#4b5968")
        self.y += 10
        top = max((v for _, bars in rows for v, _, _ in bars), default=1) or 1
        span = WIDTH - LABEL_W - 200   # room for the value label after the longest bar
        for label, bars in rows:
            group_h = len(bars) * (BAR_H + 2)
            self.text(LABEL_W - 8, self.y + group_h / 2 + 4, label, 12, anchor="end")
            for value, colour, value_label in bars:
                w = max(1.0, span * value / top)
                self.parts.append(f'<rect x="{LABEL_W}" y="{self.y:.1f}" width="{w:.1f}" height="{BAR_H}" fill="{colour}"/>')
                self.text(LABEL_W + w + 6, self.y + BAR_H - 5, value_label, 11)
                self.y += BAR_H + 2
            self.y += GAP

    def svg(self) -> str:
        height = self.y + 20
        return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH + 20}" height="{height:.0f}" '
                f'viewBox="-10 -10 {WIDTH + 20} {height:.0f}" font-family="system-ui, sans-serif">\n'
                f'<rect x="-10" y="-10" width="{WIDTH + 20}" height="{height:.0f}" fill="#fff"/>\n'
                + "\n".join(self.parts) + "\n</svg>\n")


def main() -> None:
    chart = Chart()
    gen_path, widget_path = RESULTS / "generator.json", RESULTS / "widget.json"
    if gen_path.exists():
        generator = json.loads(gen_path.read_text())
        cases = generator["cases"]
        wall, rss = [], []
        # Each clean-build pair ("clean-10k-zola") names its size and reference, in run order.
        for key, pair in generator["pairs"].items():
            if key.startswith("clean-"):
                size, ref = key.split("-")[1], pair.get("reference", "hugo")
                s, r = cases[f"samtykke-{size}-vs-{ref}"]["summary"], cases[f"{ref}-{size}"]["summary"]
                wall.append((f"{size} pages", [(s["wall_median_s"], OURS, f"samtykke {s['wall_median_s']:.2f} s"),
                                               (r["wall_median_s"], THEIRS, f"{ref} {r['wall_median_s']:.2f} s")]))
                rss.append((f"{size} pages", [(s["rss_median_mb"], OURS, f"samtykke {s['rss_median_mb']:.0f} MB"),
                                              (r["rss_median_mb"], THEIRS, f"{ref} {r['rss_median_mb']:.0f} MB")]))
        chart.panel("Generator: wall time of a clean build", "median; lower is better", wall)
        chart.panel("Generator: peak memory (RSS)", "median of /usr/bin/time -v; lower is better", rss)
    if widget_path.exists():
        w = json.loads(widget_path.read_text())
        timing, sizes = [], []
        for name, runs in w["runs"].items():
            fcp = med(r["fcp_ms"] for r in runs)
            rendered = med(r["rendered_ms"] for r in runs)
            bars = [(fcp, LIGHT, f"first contentful paint {fcp:.0f} ms")]
            if rendered is not None:
                bars.append((rendered, OURS if name == "samtykke" else THEIRS, f"banner {rendered:.0f} ms"))
            elif name != "none":
                opaque = med(r["opaque_ms"] for r in runs)
                bars.append((opaque, OURS if name == "samtykke" else THEIRS, f"banner {opaque:.0f} ms (frame, faded in)"))
            timing.append((name, bars))
            if name != "none":
                b = w["sizes"][name]["brotli"]
                sizes.append((name, [(b, OURS if name == "samtykke" else THEIRS, f"{b:,} bytes".replace(",", " "))]))
        chart.panel("Widget: time to banner (4× CPU, 150 ms, 1.6 Mbps)",
                    "median ms from navigation; banner = Element Timing render time, comparable to FCP", timing)
        chart.panel("Widget: its own bytes, brotli", "files + what it adds to the page; lower is better", sizes)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "chart.svg").write_text(chart.svg())
    print(f"wrote {RESULTS / 'chart.svg'}")


if __name__ == "__main__":
    main()
