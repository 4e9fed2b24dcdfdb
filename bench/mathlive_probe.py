#!/usr/bin/env python3
"""MathLive as a visual editor for the Answer box (issue 16 item 5): what it would cost and
whether our grammar reads what it writes. MathLive is NOT part of the project: fetch it into a
temp folder first, then point this script at the unpacked package.

    cd "$(mktemp -d)" && npm pack mathlive && tar xzf mathlive-*.tgz
    python bench/mathlive_probe.py "$PWD/package" [--runs 10]

Prints the size of mathlive.min.js (raw and gzip -9) beside our vendored KaTeX, the load time
in headless /usr/bin/chromium of a local page with a <math-field> against one with a text box
and KaTeX (median of cold runs, from navigation start to the first frame after it is ready), and
for each typical answer typed into the math-field as a learner would, the LaTeX it writes and
what `gyrus answer --batch` says of it.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
KATEX = ROOT / "static" / "vendor" / "katex"
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
MATHLIVE_PAGE = """<!doctype html><meta charset="utf-8">
<script>window.t0 = performance.now();</script><script src="mathlive.min.js"></script>
<math-field id="mf" style="font-size:24px;width:600px"></math-field>
<script>customElements.whenDefined("math-field").then(function () {
  requestAnimationFrame(function () { window.ready = performance.now(); }); });</script>"""
PLAIN_PAGE = """<!doctype html><meta charset="utf-8"><script>window.t0 = performance.now();</script>
<link rel="stylesheet" href="katex/katex.min.css"><script src="katex/katex.min.js"></script>
<input id="answer" type="text"><span id="m"></span>
<script>katex.render("\\\\frac{1}{2}", document.getElementById("m"));
requestAnimationFrame(function () { window.ready = performance.now(); });</script>"""

# (name, what is typed: keys, or ["keys", ...] with arrow presses, or ["insert", latex], spec)
CASES: list[tuple[str, object, dict]] = [
    ("fraction", "1/6", {"type": "number", "value": "1/6"}),
    ("power", "x^2", {"type": "expression", "value": "x^2"}),
    ("power, then more", ["keys", "x^2", "ArrowRight", "+1"],
     {"type": "expression", "value": "x^2+1"}),
    ("2x over 3", "2x/3", {"type": "expression", "value": "2x/3"}),
    ("square root", "sqrt2", {"type": "number", "value": "sqrt(2)"}),
    ("sin", "sin(x)", {"type": "expression", "value": "sin(x)"}),
    ("cos squared", "cos(x)^2", {"type": "expression", "value": "cos(x)^2"}),
    ("e to the x", "e^x", {"type": "expression", "value": "exp(x)"}),
    ("ln", "ln(x)", {"type": "expression", "value": "log(x)"}),
    ("pi over 4", "pi/4", {"type": "number", "value": "pi/4"}),
    ("product rule", ["keys", "2xe^x", "ArrowRight", "+x^2", "ArrowRight", "e^x"],
     {"type": "expression", "value": "2x e^x + x^2 e^x"}),
    ("minus x^2/2", ["keys", "-x^2", "ArrowRight", "/2"],
     {"type": "expression", "value": "-x^2/2"}),
    ("interval", "(0,1]", {"type": "interval", "value": "(0,1]"}),
    ("interval to oo", "[2,oo)", {"type": "interval", "value": "[2,oo)"}),
    ("set", "{1,2}", {"type": "set", "value": "{1,2}"}),
    ("inequality", "x<=1", {"type": "inequality", "value": "x<=1"}),
    ("matrix 2x2", ["insert", r"\begin{pmatrix}1&2\\3&4\end{pmatrix}"],
     {"type": "matrix", "value": "[[1,2],[3,4]]"}),
    ("column vector", ["insert", r"\begin{pmatrix}1\\2\\3\end{pmatrix}"],
     {"type": "vector", "value": "[1,2,3]"}),
    ("cube root", ["insert", r"\sqrt[3]{x}"], {"type": "expression", "value": "root(x,3)"}),
    ("arcsin", "arcsin(x)", {"type": "expression", "value": "asin(x)"}),
]


def sizes(package: Path) -> dict[str, tuple[int, int]]:
    files = {"mathlive.min.js": package / "mathlive.min.js",
             "katex.min.js (ours)": KATEX / "katex.min.js"}
    return {name: (p.stat().st_size, len(gzip.compress(p.read_bytes(), 9)))
            for name, p in files.items()}


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def serve(folder: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def load_ms(playwright: object, url: str, runs: int) -> list[tuple[float, float]]:
    """From navigation start, and from the library's script tag, to the first frame after the
    page is ready; a cold browser each run."""
    out = []
    for _ in range(runs):
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_context().new_page()
        page.goto(url)
        page.wait_for_function("window.ready !== undefined", timeout=30_000)
        out.append(page.evaluate("[window.ready - performance.getEntriesByType('navigation')"
                                 "[0].startTime, window.ready - window.t0]"))
        browser.close()
    return out


def typed_latex(page: Page, keys: object) -> str:
    page.evaluate("document.getElementById('mf').value = ''")
    page.click("#mf")
    if isinstance(keys, str):
        page.keyboard.type(keys, delay=15)
    elif keys[0] == "insert":
        page.evaluate("l => document.getElementById('mf').executeCommand(['insert', l])", keys[1])
    else:
        for key in keys[1:]:
            if key.startswith("Arrow"):
                page.keyboard.press(key)
            else:
                page.keyboard.type(key, delay=15)
    return page.evaluate("document.getElementById('mf').value")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("package", type=Path, help="the unpacked npm package folder")
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    for name, (raw, gz) in sizes(args.package).items():
        print(f"{name:22} {raw / 1024:7.0f} KiB raw {gz / 1024:6.0f} KiB gzip -9")
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp)
        shutil.copytree(args.package, site, dirs_exist_ok=True)
        shutil.copytree(KATEX, site / "katex")
        (site / "ml.html").write_text(MATHLIVE_PAGE)
        (site / "plain.html").write_text(PLAIN_PAGE)
        server, base = serve(site)
        with sync_playwright() as playwright:
            plain = load_ms(playwright, base + "plain.html", args.runs)
            mathlive = load_ms(playwright, base + "ml.html", args.runs)
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            page = browser.new_context().new_page()
            page.goto(base + "ml.html")
            page.wait_for_function("window.ready !== undefined", timeout=30_000)
            typed_latex(page, "x")  # the first keys after load can be lost: not a case
            lines = [{"id": name, "spec": spec, "response": typed_latex(page, keys)}
                     for name, keys, spec in CASES]
            browser.close()
        server.shutdown()
    for name, times in (("text box + KaTeX", plain), ("MathLive", mathlive)):
        print(f"{name:18} median of {args.runs} cold loads: "
              f"{statistics.median(t[0] for t in times):.0f} ms from navigation, "
              f"{statistics.median(t[1] for t in times):.0f} ms from the script tag to ready")
    gyrus = Path(sys.executable).with_name("gyrus")
    batch = "\n".join(json.dumps(line) for line in lines) + "\n"
    done = subprocess.run([str(gyrus), "answer", "--batch"], input=batch, text=True,
                          capture_output=True, check=True).stdout.splitlines()
    results = [json.loads(line) for line in done]
    for line, result in zip(lines, results, strict=True):
        print(f"{line['id']:18} {result['status']:10} {line['response']}")
    correct = sum(r["status"] == "correct" for r in results)
    print(f"{correct} of {len(results)} read and correct")


if __name__ == "__main__":
    main()
