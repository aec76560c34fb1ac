#!/usr/bin/env python3
"""Rebuild jnt/static/vendor/ (pinned DSFR parts and htmx) and jnt/fonts/ from the npm registry.

Usage: python scripts/vendor_assets.py   (needs npm; writes only jnt/static/vendor/ and jnt/fonts/)

Only the DSFR parts the pages use are kept (the organisers' login page alone loads the
connect component, for the ProConnect button): the core, the listed components
concatenated into one stylesheet (one request instead of twenty), the icons
those rules reference (inlined in the stylesheet as data: URIs: 27 small SVGs,
7 KB, would otherwise cost a request each), the Marianne fonts (woff2 only:
every browser the site supports reads it, subset to the characters French text
uses, which divides their weight by about two) and the favicons.  The fonts of the
attestation PDF go to jnt/fonts/, outside the public files (see PDF_FONTS).  Each tarball
is checked against the integrity hash pinned here before anything is copied.
Needs npm, and fontTools with Brotli (`pip install -e '.[vendor]'`, done by `make vendor`).
"""

import base64
import hashlib
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PACKAGES = {
    "@gouvfr/dsfr": (
        "1.15.3",
        "sha512-R9AALZc1LfZjtytWZMOaUIOHWTkllBZ/sZlsL8TpKZVgF3qUKXt/uNYh+L1D1Fh4p92ZqWxbtNcebsigBZe5pQ==",
    ),
    "htmx.org": (
        "2.0.11",
        "sha512-Thx/WtpeOQqSrqBCw/A1cwGJGg4UrVa3+sW0GmrM3p4gJgO89ecH4qtbnyzDDWFvBTqjnIMCgELTNt636dtamA==",
    ),
    "dejavu-fonts-ttf": (
        "2.37.3",
        "sha512-f1hd7jJbeQa1VWcw+K2KrTXS50zTMaHpVC4XIKJpNcDeYR5ajMtj/iLlQDYNvLOKamUB3ARVVCf79lNwNVztSQ==",
    ),
}
# DSFR components used by the templates, in cascade order after the core.
DSFR_COMPONENTS = [
    "skiplink",
    "logo",
    "link",
    "button",
    "header",
    "footer",
    "tab",
    "callout",
    "notice",
    "alert",
    "badge",
    "form",
    "input",
    "select",
    "radio",
    "checkbox",
    "table",
    "highlight",
    "summary",
    "pagination",
    "tag",
]
# Loaded by the organisers' login page only, outside the public stylesheet: the connect button,
# whose ProConnect variant (fr-connect--pro) is the "S'identifier avec ProConnect" button.
DSFR_ORGANISER_COMPONENTS = ["connect"]
FAVICONS = ["favicon.svg", "favicon.ico", "apple-touch-icon.png"]
# Characters kept in the fonts: Latin-1, French ligatures and Ÿ, typographic punctuation and
# spaces (’ « » … – — and the narrow no-break space), €, ™ and the arrows. Others fall back.
FONT_UNICODES = "U+0020-007E,U+00A0-00FF,U+0152-0153,U+0178,U+02C6,U+02DA,U+02DC,U+2000-206F,U+20AC,U+2122,U+2190-2193"

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "jnt" / "static" / "vendor"
# The attestation PDF embeds its fonts: fpdf2 reads TrueType only, and a name must never lose a
# letter (fpdf2 drops a character its fonts lack). So the full Marianne (about 600 characters:
# Polish, Turkish, Czech, Romanian, Vietnamese…) converted from woff2 to TrueType, and DejaVu Sans
# for the alphabets Marianne lacks (Greek, Cyrillic, Armenian, Georgian). Outside jnt/static/:
# no page loads them, and the public CSS budget stays as it is.
PDF_FONTS = ROOT / "jnt" / "fonts"
PDF_MARIANNE = ["Marianne-Regular", "Marianne-Bold"]
PDF_FALLBACK = ["DejaVuSans", "DejaVuSans-Bold"]
FALLBACK_UNICODES = "U+0100-058F,U+10A0-10FF,U+1E00-1FFF"


def fetch(name: str, version: str, integrity: str, workdir: Path) -> Path:
    """Download one tarball with npm, check its hash, unpack it, return its root."""
    out = (
        subprocess.run(
            ["npm", "pack", f"{name}@{version}", "--silent", "--pack-destination", str(workdir)],
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    tarball = workdir / out
    algo, _, expected = integrity.partition("-")
    digest = base64.b64encode(hashlib.new(algo, tarball.read_bytes()).digest()).decode()
    if digest != expected:
        sys.exit(f"{name}@{version}: integrity mismatch, refusing to vendor it")
    dest = workdir / name.replace("/", "_")
    with tarfile.open(tarball) as tar:
        tar.extractall(dest, filter="data")
    return dest / "package"


def build_dsfr(pkg: Path) -> None:
    """Concatenate the used DSFR CSS and copy what it references."""
    dist = pkg / "dist"
    out = VENDOR / "dsfr"
    out.mkdir(parents=True)
    parts = [dist / "core" / "core.min.css"]
    parts += [dist / "component" / c / f"{c}.min.css" for c in DSFR_COMPONENTS]
    css = "\n".join(p.read_text(encoding="utf-8") for p in parts)
    # Paths become relative to vendor/dsfr/; woff fallbacks and unused faces go.
    css = css.replace("url(../fonts/", "url(fonts/").replace("url(../../icons/", "url(icons/")
    css = css.replace("url(../icons/", "url(icons/")  # a few component rules reference icons one level up
    css = re.sub(r',url\(fonts/[^)]+\.woff\) format\("woff"\)', "", css)
    css = re.sub(r"@font-face\{[^}]*font-family:Spectral[^}]*\}", "", css)
    css = re.sub(r"url\((icons/[^)]+\.svg)\)", lambda m: inline_svg(dist / m.group(1)), css)
    (out / "dsfr.min.css").write_text(css, encoding="utf-8")
    for name in DSFR_ORGANISER_COMPONENTS:  # self-contained (their images are data: URIs already)
        shutil.copyfile(dist / "component" / name / f"{name}.min.css", out / f"{name}.min.css")
    for ref in sorted(set(re.findall(r"url\((fonts/[^)]+)\)", css))):
        (out / ref).parent.mkdir(parents=True, exist_ok=True)
        subset_font(dist / ref, out / ref)
    for name in FAVICONS:
        (out / "favicon").mkdir(exist_ok=True)
        shutil.copyfile(dist / "favicon" / name, out / "favicon" / name)
    shutil.copyfile(pkg / "LICENSE.md", out / "LICENSE.md")


def inline_svg(path: Path) -> str:
    """A CSS url() holding the SVG itself."""
    return 'url("data:image/svg+xml;base64,' + base64.b64encode(path.read_bytes()).decode() + '")'


def subset_font(src: Path, dest: Path) -> None:
    """Copy a woff2 font keeping only FONT_UNICODES (with its kerning and ligatures)."""
    from fontTools import subset

    subset.main([str(src), f"--unicodes={FONT_UNICODES}", "--flavor=woff2", "--layout-features=*",
                 f"--output-file={dest}"])  # fmt: skip


def build_pdf_fonts(dsfr: Path, dejavu: Path) -> None:
    """The attestation's fonts as TrueType: Marianne whole, DejaVu Sans cut to what Marianne lacks."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    PDF_FONTS.mkdir(parents=True)
    for name in PDF_MARIANNE:
        font = TTFont(dsfr / "dist" / "fonts" / f"{name}.woff2", recalcTimestamp=False)  # reproducible bytes
        font.flavor = None  # woff2 -> plain TrueType, every glyph kept
        font.save(PDF_FONTS / f"{name}.ttf")
    for name in PDF_FALLBACK:
        subset.main([str(dejavu / "ttf" / f"{name}.ttf"), f"--unicodes={FALLBACK_UNICODES}",
                     "--no-hinting", f"--output-file={PDF_FONTS / f'{name}.ttf'}"])  # fmt: skip
    shutil.copyfile(dsfr / "LICENSE.md", PDF_FONTS / "LICENSE-DSFR.md")
    shutil.copyfile(dsfr / "doc" / "legal" / "cgu.md", PDF_FONTS / "DSFR-modalites-utilisation.md")
    shutil.copyfile(dejavu / "LICENSE", PDF_FONTS / "LICENSE-DejaVu")


def build_htmx(pkg: Path) -> None:
    """Copy the minified htmx build and its licence."""
    out = VENDOR / "htmx"
    out.mkdir(parents=True)
    shutil.copyfile(pkg / "dist" / "htmx.min.js", out / "htmx.min.js")
    shutil.copyfile(pkg / "LICENSE", out / "LICENSE")


def main() -> None:
    """Rebuild the vendor folder from scratch."""
    for folder in (VENDOR, PDF_FONTS):
        if folder.exists():
            shutil.rmtree(folder)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        roots = {n: fetch(n, v, i, work) for n, (v, i) in PACKAGES.items()}
        build_dsfr(roots["@gouvfr/dsfr"])
        build_htmx(roots["htmx.org"])
        build_pdf_fonts(roots["@gouvfr/dsfr"], roots["dejavu-fonts-ttf"])
    lines = [f"{n}@{v} {i}" for n, (v, i) in PACKAGES.items()]
    lines.append("dsfr components: " + " ".join(DSFR_COMPONENTS))
    lines.append("dsfr components, organisers' login page only: " + " ".join(DSFR_ORGANISER_COMPONENTS))
    (VENDOR / "VERSIONS.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"vendored into {VENDOR.relative_to(ROOT)} and {PDF_FONTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
