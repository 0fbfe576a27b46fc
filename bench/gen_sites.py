#!/usr/bin/env python3
"""Writes a deterministic synthetic site three times: for Samtykke, Hugo and Zola, with the same pages.

    python3 bench/gen_sites.py --pages 1000 --out bench/cache/sites/1k

leaves
    <out>/samtykke/{content,themes}     a Samtykke site root (`samtykke --root <out>/samtykke build`)
    <out>/hugo/{hugo.toml,content,layouts,assets}   the same pages for `hugo --source <out>/hugo`
    <out>/zola/{config.toml,content,templates,static}   the same pages for `zola --root <out>/zola build`

Every page has a front matter block and about 1.3 KB of Markdown in 10 sections (a heading and a
paragraph each, some with a list, emphasis, code and a link to another page). The Markdown bodies
are byte-identical in every site; only the front matter differs, because the generators spell
"place in the menu" differently (Zola has no menus: its config lists the menu pages). The same seed and page count always give the same bytes.

site.toml and cookies.toml are copied from generator/tests/fixtures/minimal, and the theme from
themes/hesbynett, so the synthetic site follows the content schema as the repository has it now.
Page 0 is the front page, 1 and 2 are the policy and cookie pages that site.toml names.
"""

import argparse
import random
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIXTURE = REPO / "generator" / "tests" / "fixtures" / "minimal" / "content"
THEME = REPO / "themes" / "hesbynett"
# The built-in theme's stylesheet, which Hugo's layouts get as well (themes/hesbynett only adds images).
STYLE = REPO / "generator" / "site" / "themes" / "standard" / "static" / "style.css"

# Norwegian-looking filler: the slugifier and the escaper see æ, ø, å as on the real site.
WORDS = (
    "informasjon nettsted tjeneste kunde personvern behandling samtykke opplysninger lagring "
    "formål analyse statistikk sikkerhet avtale leverandør server domene e-post kontakt "
    "rettighet innsyn sletting retting klage datatilsynet varighet informasjonskapsel besøk "
    "side bruker konto faktura drift støtte nettverk hosting backup overvåking tilgang logg "
    "og i på til for med av som er det en et vi du kan skal vil ikke eller når hvor hva"
).split()
MENU_PAGES = 5          # pages 0..4 are in the main navigation, like a real site's few menu items
SECTIONS = 10
SECTION_BYTES = 130     # ~1.3 KB of Markdown per page


def slug_of(i: int) -> str:
    return {0: "index", 1: "personvern", 2: "informasjonskapsler"}.get(i, f"side-{i:05d}")


def url_of(i: int) -> str:
    return "/" if i == 0 else f"/{slug_of(i)}/"


def sentence(rng: random.Random, n: int) -> str:
    words = [rng.choice(WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def body(rng: random.Random, i: int, pages: int) -> str:
    """Ten sections of about SECTION_BYTES each. Links are plain site-absolute URLs
    (`/side-00042/`): Samtykke checks those against its pages, Hugo leaves them as they are,
    and neither needs a shortcode, so the Markdown stays identical for both."""
    out = []
    for s in range(SECTIONS):
        heading = f"## {sentence(rng, 3)[:-1]} {s + 1}"
        kind = s % 4
        if kind == 0:
            target = rng.randrange(pages)
            text = f"{sentence(rng, 6)} Se [{rng.choice(WORDS)}]({url_of(target)}) for mer om **{rng.choice(WORDS)}**."
        elif kind == 1:
            text = "\n".join(f"- {sentence(rng, 4)}" for _ in range(3))
        elif kind == 2:
            text = f"{sentence(rng, 8)} Verdien `{rng.choice(WORDS)}` er *{rng.choice(WORDS)}*."
        else:
            text = sentence(rng, 12)
        # Pad or trim with whole words to keep every section near the same size.
        while len(heading) + len(text) + 3 < SECTION_BYTES:
            text = text.rstrip(".") + f" {rng.choice(WORDS)}."
        out.append(f"{heading}\n\n{text}\n")
    return "\n".join(out)


def samtykke_front(i: int, title: str, description: str) -> str:
    menu = f"menu = {i + 1}\n" if i < MENU_PAGES else ""
    return f'+++\ntitle = "{title}"\ndescription = "{description}"\n{menu}+++\n'


def hugo_front(i: int, title: str, description: str) -> str:
    # Hugo's own spelling of the same thing: a menu entry with a weight.
    menu = f'menus = "main"\nweight = {i + 1}\n' if i < MENU_PAGES else ""
    return f'+++\ntitle = "{title}"\ndescription = "{description}"\n{menu}+++\n'


def write_zola(root: Path, pages: list[tuple[int, str, str, str]]) -> None:
    content = root / "content"
    content.mkdir(parents=True)
    here = Path(__file__).resolve().parent / "zola"
    shutil.copytree(here / "templates", root / "templates")
    menu = "".join(
        f'\n[[extra.menu]]\nname = "{title}"\nurl = "{url_of(i)}"\n'
        for i, title, _, _ in pages[:MENU_PAGES]
    )
    (root / "config.toml").write_text((here / "config.toml").read_text(encoding="utf-8") + menu, encoding="utf-8")
    (root / "static").mkdir()
    shutil.copy(STYLE, root / "static" / "style.css")
    for i, title, description, md in pages:
        name = "_index.md" if i == 0 else f"{slug_of(i)}.md"
        front = f'+++\ntitle = "{title}"\ndescription = "{description}"\n+++\n'
        (content / name).write_text(front + md, encoding="utf-8")


def write_samtykke(root: Path, pages: list[tuple[int, str, str, str]]) -> None:
    content = root / "content"
    content.mkdir(parents=True)
    shutil.copy(FIXTURE / "site.toml", content / "site.toml")
    shutil.copy(FIXTURE / "cookies.toml", content / "cookies.toml")
    shutil.copytree(THEME, root / "themes" / "hesbynett")
    for i, title, description, md in pages:
        (content / f"{slug_of(i)}.md").write_text(samtykke_front(i, title, description) + md, encoding="utf-8")


def write_hugo(root: Path, pages: list[tuple[int, str, str, str]]) -> None:
    content = root / "content"
    content.mkdir(parents=True)
    layouts = Path(__file__).resolve().parent / "hugo"
    shutil.copytree(layouts / "layouts", root / "layouts")
    shutil.copy(layouts / "hugo.toml", root / "hugo.toml")
    (root / "assets").mkdir()
    shutil.copy(STYLE, root / "assets" / "style.css")
    for i, title, description, md in pages:
        name = "_index.md" if i == 0 else f"{slug_of(i)}.md"
        (content / name).write_text(hugo_front(i, title, description) + md, encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=2026)
    args = ap.parse_args()
    if args.pages < 3:
        ap.error("--pages must be at least 3 (front page, policy page, cookie page)")

    rng = random.Random(args.seed)
    pages = []
    for i in range(args.pages):
        title = sentence(rng, 3)[:-1]
        description = sentence(rng, 10)
        pages.append((i, title, description, body(rng, i, args.pages)))

    if args.out.exists():
        shutil.rmtree(args.out)
    write_samtykke(args.out / "samtykke", pages)
    write_hugo(args.out / "hugo", pages)
    write_zola(args.out / "zola", pages)
    mean = sum(len(md.encode()) for *_, md in pages) / len(pages)
    print(f"{args.out}: {args.pages} pages, mean Markdown body {mean:.0f} bytes")


if __name__ == "__main__":
    main()
