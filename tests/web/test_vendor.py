"""Vendored browser assets match their manifest, and no page loads anything from elsewhere."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "static" / "vendor"
NOT_HASHED = {"MANIFEST.sha256", "README.md"}
EXTERNAL = re.compile(
    r"""(?:src|href|action|formaction|hx-get|hx-post)\s*=\s*["']?\s*(?:[a-z][a-z0-9+.-]*:)?//"""
    r"""|url\(\s*["']?\s*(?:[a-z][a-z0-9+.-]*:)?//|@import""",
    re.I,
)


def manifest() -> dict[str, str]:
    entries = {}
    for line in (VENDOR / "MANIFEST.sha256").read_text().splitlines():
        digest, name = line.split(maxsplit=1)
        entries[name.lstrip("*")] = digest
    return entries


def test_every_vendored_file_matches_the_manifest():
    entries = manifest()
    present = {
        str(p.relative_to(VENDOR)) for p in VENDOR.rglob("*")
        if p.is_file() and p.name not in NOT_HASHED
    }
    assert present == set(entries), "files and manifest differ"
    for name, digest in entries.items():
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == digest, name


def test_the_vendored_packages_keep_their_licences_and_pinned_versions():
    assert (VENDOR / "katex" / "LICENSE").is_file() and (VENDOR / "htmx" / "LICENSE").is_file()
    readme = (VENDOR / "README.md").read_text()
    assert re.search(r"katex@\d+\.\d+\.\d+", readme)
    assert re.search(r"htmx\.org@\d+\.\d+\.\d+", readme)


def test_no_template_or_asset_of_ours_points_at_another_origin():
    ours = list((ROOT / "templates").rglob("*.html"))
    ours += [ROOT / "static" / "app.css", ROOT / "static" / "app.js"]
    for path in ours:
        found = EXTERNAL.search(path.read_text())
        assert found is None, f"{path.name}: {found.group(0) if found else ''}"


def test_katex_css_loads_its_fonts_from_beside_it():
    css = (VENDOR / "katex" / "katex.min.css").read_text()
    assert EXTERNAL.search(css) is None
    for font in re.findall(r"url\((fonts/[^)]+\.woff2)\)", css):
        assert (VENDOR / "katex" / font).is_file(), font


def test_the_pages_use_the_vendored_files(app):
    from fastapi.testclient import TestClient

    page = TestClient(app).get("/login").text
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', page):
        assert TestClient(app).get(asset).status_code == 200, asset
    assert "/static/vendor/htmx/htmx.min.js" in page
    assert "/static/vendor/katex/katex.min.js" in page
