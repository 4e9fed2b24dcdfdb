"""Tiny images and a PreTeXt book that shows them, made here (never taken from a real book):
the shapes of the shared corpora's layouts, an external `assets` directory named by the
publication file (ULA) and images beside the main file (ORCCA)."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib


def png(width: int = 2, height: int = 2, rgb: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A valid PNG of one colour."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(
            ">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
            + chunk(b"IEND", b""))


PARABOLA = b"""<?xml version="1.0" encoding="UTF-8"?>
<!-- y = (x - 1)^2 - 2 on a unit grid, drawn for the tests -->
<svg xmlns="http://www.w3.org/2000/svg" width="320" height="280" viewBox="-3 -4 8 7">
  <g transform="scale(1,-1)" fill="none">
    <path d="M-3-3v7m1-7v7m1-7v7m1-7v7m1-7v7m1-7v7m1-7v7m1-7v7m1-7v7
             M-3-3h8m-8 1h8m-8 1h8m-8 1h8m-8 1h8m-8 1h8m-8 1h8m-8 1h8"
          stroke="#dde3ec" stroke-width="0.03"/>
    <path d="M -3 0 H 5 M 0 -3 V 4" stroke="#555" stroke-width="0.05"/>
    <path d="M -1.2 2.84 Q 1 -6.84 3.2 2.84" stroke="#1f5fa8" stroke-width="0.08"/>
    <circle cx="1" cy="-2" r="0.12" fill="#c0392b"/>
  </g>
</svg>
"""

PUBLICATION = b"""<?xml version="1.0" encoding="UTF-8"?>
<publication>
  <source>
    <directories external="../assets" generated="../generated-assets"/>
  </source>
</publication>
"""

PROJECT = b"""<?xml version="1.0" encoding="UTF-8"?>
<project ptx-version="2">
  <targets>
    <target name="web" format="html" source="main.ptx" publication="publication.ptx"/>
  </targets>
</project>
"""

MAIN = """<?xml version="1.0" encoding="UTF-8"?>
<pretext>
  <book xml:id="pictures">
    <title>Pictures</title>
    <chapter xml:id="ch-graphs">
      <title>Graphs</title>
      <section xml:id="sec-parabolas">
        <title>Parabolas</title>
        <exercises>
          <exercise xml:id="ex-vertex">
            <statement>
              <p>The graph below shows <m>y = (x-1)^2 - 2</m>.</p>
              <image source="images/parabola" width="60%">
                <shortdescription>
                  A parabola opening upward, its vertex marked at (1, -2)
                </shortdescription>
              </image>
              <p>What is the <m>x</m>-coordinate of its vertex?</p>
            </statement>
            <answer><p><m>1</m></p></answer>
          </exercise>
          <exercise xml:id="ex-dot">
            <statement>
              <p>A dot <image source="images/dot.png"/> and again <image source="images/dot.png"/>.
              What is <m>1+1</m>?</p>
            </statement>
            <answer><p><m>2</m></p></answer>
          </exercise>
          {more}
        </exercises>
      </section>
    </chapter>
  </book>
</pretext>
"""


def book(extra_files: dict[str, bytes] | None = None, more: str = "",
         parabola: bytes = PARABOLA) -> bytes:
    """The book as a zip: `src/main.ptx`, its publication's external directory `assets/`
    holding the parabola (named without extension in the book), and a PNG beside the main
    file; `more` adds exercises, `extra_files` files."""
    files = {"project.ptx": PROJECT, "publication/publication.ptx": PUBLICATION,
             "src/main.ptx": MAIN.replace("{more}", more).encode(),
             "assets/images/parabola.svg": parabola, "src/images/dot.png": png()}
    files.update(extra_files or {})
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()
