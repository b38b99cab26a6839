"""Branding for a consultant's deliverable (`--brand FILE`, DESIGN §14).

The brand file is YAML: organisation, author, client, confidentiality, logo (PNG, JPEG or SVG, a path
relative to the brand file) and colours (primary, accent). Errors name the file and line (exit 5).

Colours too pale to read are refused, with the nearest shade that passes as the hint, rather than adjusted
silently: a client's colour is part of its identity, so the consultant decides. `primary` colours text
(headings, links) on the white page and sits behind white text on the cover: it needs the WCAG 2.1 AA ratio
for text, 4.5:1. `accent` draws rules and chart bars: non-text contrast, 3:1 (WCAG 2.1, 1.4.11).

The logo is embedded as a data URI, never linked. An SVG logo goes through ammonia (nh3) with an SVG
allowlist: no script, no event handler, no foreignObject, no reference that leaves the image. Class rules
of a <style> element become style attributes first, so a logo from a design tool keeps its colours.
"""

from __future__ import annotations

import base64
import difflib
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import nh3

from m365exit.engine.yamlsrc import Source, parse_yaml
from m365exit.errors import RulesError

TEXT_KEYS = ("organisation", "author", "client", "confidentiality")
KEYS = (*TEXT_KEYS, "logo", "colours")
COLOUR_KEYS = {"primary": 4.5, "accent": 3.0}  # minimum contrast against the white page
WHITE = (255, 255, 255)
MAX_LOGO_BYTES = 512 * 1024
_HEX = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")

# SVG elements and attributes a logo needs; everything else (script, style, foreignObject, image, animate,
# set...) is removed with its content. A logo that used them loses that part, never gains behaviour.
SVG_TAGS = {
    "svg", "g", "defs", "symbol", "use", "title", "desc", "path", "rect", "circle", "ellipse", "line",
    "polyline", "polygon", "text", "tspan", "textPath", "linearGradient", "radialGradient", "stop",
    "clipPath", "mask", "pattern", "marker",
}
_PRESENTATION = {
    "id", "class", "transform", "fill", "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-opacity",
    "stroke-linecap", "stroke-linejoin", "stroke-miterlimit", "stroke-dasharray", "stroke-dashoffset",
    "opacity", "clip-path", "clip-rule", "mask", "color", "display", "visibility", "font-family", "font-size",
    "font-weight", "font-style", "text-anchor", "dominant-baseline", "letter-spacing", "stop-color",
    "stop-opacity", "style", "href", "xlink:href",
}
_GEOMETRY = {
    "x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "rx", "ry", "fx", "fy", "width", "height", "d", "points",
    "offset", "viewBox", "preserveAspectRatio", "xmlns", "xmlns:xlink", "version", "gradientUnits",
    "gradientTransform", "spreadMethod", "patternUnits", "patternTransform", "clipPathUnits", "maskUnits",
    "markerWidth", "markerHeight", "refX", "refY", "orient", "dx", "dy", "textLength", "pathLength",
}
SVG_ATTRIBUTES = dict.fromkeys(SVG_TAGS, _PRESENTATION | _GEOMETRY)
STYLE_PROPERTIES = {
    "fill", "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-opacity", "stroke-linecap",
    "stroke-linejoin", "stroke-miterlimit", "stroke-dasharray", "stroke-dashoffset", "opacity", "stop-color",
    "stop-opacity", "font-family", "font-size", "font-weight", "font-style", "text-anchor", "display",
    "visibility", "color", "letter-spacing",
}
SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"


def _error(source: Source, loc: tuple[str, ...], message: str, hint: str = "") -> RulesError:
    return RulesError(f"{source.where(loc)}: {message}", hint)


def load(path: Path) -> dict[str, Any]:
    """The brand as `report.write` takes it: text keys, `logo` as a data URI, `colours` {primary, accent}."""
    source = parse_yaml(path)
    data = source.data
    if not isinstance(data, dict):
        raise _error(source, (), "a brand file is a mapping of keys.", f"Allowed keys: {', '.join(KEYS)}.")
    brand: dict[str, Any] = {}
    for key, value in data.items():
        if key not in KEYS:
            close = difflib.get_close_matches(key, KEYS, n=1)
            raise _error(source, (key,), f"unknown key '{key}'.",
                         (f"Did you mean '{close[0]}'? " if close else "") + f"Allowed keys: {', '.join(KEYS)}.")
        if key in TEXT_KEYS:
            if not isinstance(value, str | int | float) or isinstance(value, bool) or not str(value).strip():
                raise _error(source, (key,), f"'{key}' must be non-empty text.")
            brand[key] = str(value).strip()
        elif key == "colours":
            brand["colours"] = _colours(source, value)
        else:
            brand["logo"] = _logo(source, value)
    return brand


def _colours(source: Source, value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise _error(source, ("colours",), "'colours' must be a mapping with primary and/or accent.",
                     "Example:  colours: {primary: '#000091', accent: '#e1000f'}")
    colours = {}
    for name, colour in value.items():
        loc = ("colours", name)
        if name not in COLOUR_KEYS:
            raise _error(source, loc, f"unknown colour '{name}'.", "Allowed colours: primary, accent.")
        if not isinstance(colour, str) or not _HEX.fullmatch(colour.strip()):
            what = "has no value" if colour is None else f"{colour!r} is not a colour written #rgb or #rrggbb"
            raise _error(source, loc, f"colours.{name} {what}.",
                         "Quote it in YAML, e.g. primary: '#000091' (an unquoted # starts a comment).")
        hex_colour = _expand(colour.strip())
        ratio = contrast(hex_colour, "#ffffff")
        needed = COLOUR_KEYS[name]
        if ratio < needed:
            raise _error(
                source, loc,
                f"colours.{name} {hex_colour} has a contrast of {ratio:.1f}:1 against the white page; "
                f"{'text needs' if name == 'primary' else 'rules and chart bars need'} at least {needed}:1 (WCAG 2.1).",
                f"Use a darker shade, such as {darken_until(hex_colour, needed)}.",
            )
        colours[name] = hex_colour
    return colours


def _expand(colour: str) -> str:
    digits = colour[1:].lower()
    return "#" + ("".join(c * 2 for c in digits) if len(digits) == 3 else digits)


def _rgb(colour: str) -> tuple[int, int, int]:
    digits = _expand(colour)[1:]
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def luminance(colour: str) -> float:
    """Relative luminance, WCAG 2.1 definition."""
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def darken_until(colour: str, ratio: float) -> str:
    """The same hue, darkened in 2 % steps until it reaches `ratio` against white (black at worst)."""
    r, g, b = _rgb(colour)
    for step in range(51):
        k = 1 - step / 50
        shade = f"#{round(r * k):02x}{round(g * k):02x}{round(b * k):02x}"
        if contrast(shade, "#ffffff") >= ratio:
            return shade
    return "#000000"


def _logo(source: Source, value: Any) -> str:
    loc = ("logo",)
    if not isinstance(value, str) or not value.strip():
        raise _error(source, loc, "'logo' must be the path of a PNG, JPEG or SVG file.")
    path = Path(value)
    if not path.is_absolute():
        path = source.path.parent / path  # relative to the brand file, not the working directory
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise _error(source, loc, f"cannot read the logo {path}: {exc.strerror or exc}.",
                     "Paths are relative to the brand file.") from None
    if len(raw) > MAX_LOGO_BYTES:
        raise _error(source, loc, f"the logo {path} is {len(raw) // 1024} KB; the limit is "
                     f"{MAX_LOGO_BYTES // 1024} KB.", "Export a smaller image (a logo rarely needs more than 50 KB).")
    if raw.startswith(b"\x89PNG\r\n\x1a\n"):
        return data_uri("image/png", raw)
    if raw.startswith(b"\xff\xd8\xff"):
        return data_uri("image/jpeg", raw)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = ""
    if "<svg" not in text:
        raise _error(source, loc, f"the logo {path} is not a PNG, JPEG or SVG image.")
    svg = sanitize_svg(text)
    if svg is None:
        raise _error(source, loc, f"the logo {path} holds no drawable SVG once scripts and external "
                     "references are removed.", "Export it again as plain SVG (paths, shapes, text).")
    return data_uri("image/svg+xml", svg.encode("utf-8"))


def data_uri(mime: str, raw: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(raw).decode('ascii')}"


def _local_reference(value: str) -> bool:
    """url(#id) stays inside the image; anything else (http:, data:, javascript:, file:) may not."""
    lowered = re.sub(r"\s+", "", value).lower()
    if any(x in lowered for x in ("javascript:", "expression(", "@import", "\\")):
        return False
    return all(ref.strip("'\"").startswith("#") for ref in re.findall(r"url\(([^)]*)\)", lowered))


def _attribute_filter(element: str, attribute: str, value: str) -> str | None:
    if attribute in ("href", "xlink:href"):
        return value if value.strip().startswith("#") else None
    if attribute == "style":  # keep the declarations that stay inside the image, drop the others
        kept = [d.strip() for d in value.split(";") if d.strip() and _local_reference(d)]
        return ";".join(kept) or None
    if "url(" in value.lower() or "\\" in value:
        return value if _local_reference(value) else None
    return value


def _clean(text: str) -> str | None:
    """One pass of the sanitiser; the result starts at <svg> and is XML (or None)."""
    cleaned = nh3.clean(
        text, tags=SVG_TAGS, attributes=SVG_ATTRIBUTES, clean_content_tags={"script", "style", "foreignObject"},
        url_schemes=set(), link_rel=None, strip_comments=True, attribute_filter=_attribute_filter,
        filter_style_properties=STYLE_PROPERTIES,
    ).strip()
    start = cleaned.find("<svg")
    if start < 0:
        return None
    return _with_namespaces(cleaned[start:].replace("&nbsp;", "&#160;"))  # the HTML entity is not XML


def sanitize_svg(text: str) -> str | None:
    """The SVG with only allowlisted elements and attributes, as well-formed XML; None when nothing is left."""
    cleaned = _clean(text)
    if cleaned is None:
        return None
    try:  # parsed only once sanitised: the sanitiser's output has no DOCTYPE, so no entity can expand
        root = ET.fromstring(cleaned)  # noqa: S314
    except ET.ParseError:
        return None
    if root.tag != f"{{{SVG_NS}}}svg" or len(root) == 0:
        return None
    rules = _class_rules(text)
    if not rules:
        return cleaned
    # Design tools style logos through classes in a <style> element, which the sanitiser removes: move each
    # class's declarations into style attributes, then sanitise again (properties allowlisted, urls local).
    for element in root.iter():
        declared = "".join(rules.get(c, "") for c in (element.get("class") or "").split())
        if declared:
            element.set("style", declared + (element.get("style") or ""))
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", XLINK_NS)
    return _clean(ET.tostring(root, encoding="unicode"))


def _class_rules(text: str) -> dict[str, str]:
    """`.name { declarations }` rules of the SVG's <style> elements; other selectors are ignored. Only read
    here: whatever comes out goes through the sanitiser's style filter before it reaches the report."""
    rules: dict[str, str] = {}
    for css in re.findall(r"<style[^>]*>(.*?)</style>", text, flags=re.S | re.I):
        css = re.sub(r"/\*.*?\*/|<!\[CDATA\[|\]\]>", "", css, flags=re.S)
        for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
            for selector in selectors.split(","):
                if re.fullmatch(r"\.[A-Za-z_][\w-]*", selector.strip()):
                    name = selector.strip()[1:]
                    rules[name] = rules.get(name, "") + body.strip().rstrip(";") + ";"
    return rules


def _with_namespaces(svg: str) -> str:
    """An SVG served as an image must declare its namespaces, or browsers show nothing. The input is the
    sanitiser's serialisation, which escapes '>' in attribute values: the first '>' ends the opening tag."""
    end = svg.index(">")
    head, rest = svg[:end], svg[end:]
    if "xmlns=" not in head:
        head += f' xmlns="{SVG_NS}"'
    if "xlink:" in svg and "xmlns:xlink" not in head:
        head += f' xmlns:xlink="{XLINK_NS}"'
    return head + rest
