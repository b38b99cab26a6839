"""The PDF: the HTML report printed by WeasyPrint with the report's print stylesheet.

WeasyPrint (the `pdf` extra; Debian's Pango underneath) rather than a headless Chromium: it is a library, not a
browser process to launch and sandbox, it fetches nothing unless we let it (our fetcher refuses every URL but
inline data), it implements CSS paged media (page counters, running headers) and it takes the document dates
from the HTML, so the same snapshot gives the same bytes.
"""

from __future__ import annotations

import re
from html import escape
from typing import Any

from m365exit.errors import UsageError
from m365exit.report import formatting
from m365exit.report.i18n import catalog
from m365exit.scoring import Assessment

MISSING = (
    "The PDF export needs WeasyPrint and the Pango library, which are not installed.",
    "Install them with: pip install 'm365exit[pdf]' and, on Debian or Ubuntu, apt-get install libpango-1.0-0 "
    "libpangoft2-1.0-0 (or choose other formats with --format html,json,csv,xlsx,md).",
)


# What an SVG drawing takes from the page's stylesheet. WeasyPrint draws an inline SVG as an image styled only
# by the SVG's own <style>, so these rules are copied into each one with the page's colour variables resolved.
SVG_PROPERTIES = {"fill", "fill-opacity", "stroke", "stroke-width", "stroke-opacity", "stroke-dasharray",
                  "stroke-linecap", "opacity", "color", "font-size", "font-weight", "font-family", "text-anchor"}
_SVG_OPEN = re.compile(r"<svg\b[^>]*>")
_STYLE = re.compile(r"<style[^>]*>(.*?)</style>", re.DOTALL)
_VAR = re.compile(r"var\(\s*(--[\w-]+)\s*(?:,\s*([^)]*))?\)")


def svg_stylesheet(page: str) -> str:
    """The page's rules for SVG properties, each selector reduced to its last compound (the SVG cannot see
    its ancestors in the page) and every var() replaced by its value from :root."""
    import tinycss2

    variables: dict[str, str] = {}
    rules: list[tuple[list[str], list[tuple[str, str]]]] = []
    for rule in tinycss2.parse_stylesheet("\n".join(_STYLE.findall(page)), skip_comments=True,
                                          skip_whitespace=True):
        if rule.type != "qualified-rule":
            continue
        prelude = tinycss2.serialize(rule.prelude).strip()
        declarations = [(d.lower_name, tinycss2.serialize(d.value).strip())
                        for d in tinycss2.parse_blocks_contents(rule.content, skip_comments=True,
                                                                skip_whitespace=True)
                        if d.type == "declaration"]
        if prelude == ":root":
            variables.update((name, value) for name, value in declarations if name.startswith("--"))
            continue
        kept = [(n, v) for n, v in declarations if n in SVG_PROPERTIES]
        selectors = [s.split()[-1] for s in prelude.split(",") if s.strip() and ":" not in s]
        if kept and selectors:
            rules.append((selectors, kept))

    def resolve(value: str) -> str:
        return _VAR.sub(lambda m: variables.get(m.group(1), m.group(2) or ""), value)

    return "".join(f"{', '.join(sel)} {{ {'; '.join(f'{n}: {resolve(v)}' for n, v in decl)} }}"
                   for sel, decl in rules)


def _with_svg_styles(page: str) -> str:
    block = f"<style><![CDATA[{svg_stylesheet(page)}]]></style>"
    return _SVG_OPEN.sub(lambda m: m.group(0) + block, page)


def _css_string(text: str) -> str:
    """Tenant text as a CSS string: anything but letters, digits and plain punctuation is hex-escaped."""
    return '"' + "".join(c if c.isalnum() or c in " .,_'()·" else f"\\{ord(c):x} " for c in text) + '"'


def running_header(a: Assessment, lang: str, brand: dict[str, Any]) -> str:
    """Page-margin boxes naming the tenant, the snapshot's date and the brand on every page."""
    s = a.snapshot
    name = str(brand.get("client") or s.tenant.display_name or s.tenant.default_domain or s.tenant.id)
    left = " · ".join(str(brand[k]) for k in ("organisation", "confidentiality") if brand.get(k))
    when = formatting.date(s.collected_at, lang)
    return (
        "@page { "
        f"@top-left {{ content: {_css_string(name)}; }} "
        f"@top-right {{ content: {_css_string(when)}; }} "
        + (f"@bottom-left {{ content: {_css_string(left)}; }} " if left else "")
        + "}"
    )


def _metadata(a: Assessment, lang: str, brand: dict[str, Any]) -> str:
    """Document dates and author from the snapshot and the brand, never the clock: same input, same bytes."""
    when = a.snapshot.collected_at.isoformat().replace("+00:00", "Z")
    author = str(brand.get("author") or brand.get("organisation") or "m365exit")
    return (
        f'<meta name="dcterms.created" content="{escape(when)}">'
        f'<meta name="dcterms.modified" content="{escape(when)}">'
        f'<meta name="author" content="{escape(author)}">'
        f'<meta name="description" content="{escape(catalog(lang).gettext("Microsoft 365 exit readiness"))}">'
        f"<style>{running_header(a, lang, brand)}</style>"
    )


def render(a: Assessment, lang: str, html: str, brand: dict[str, Any] | None = None) -> bytes:
    """The PDF of `html` (the report as rendered for this assessment and language)."""
    try:
        from weasyprint import HTML, URLFetcher
    except (ImportError, OSError):  # OSError: WeasyPrint is there but Pango is not
        raise UsageError(*MISSING) from None

    inline_only = URLFetcher(allowed_protocols={"data"}, timeout=1)

    def fetch(url: str, *args: Any, **kwargs: Any) -> Any:
        if not url.startswith("data:"):
            raise ValueError(f"The PDF fetches nothing outside the report (refused {url[:60]!r}).")
        return inline_only.fetch(url)

    document = _with_svg_styles(html).replace("</head>", _metadata(a, lang, brand or {}) + "</head>", 1)
    pdf: bytes = HTML(string=document, url_fetcher=fetch, base_url="about:blank").write_pdf(
        pdf_identifier=False, uncompressed_pdf=False,
    )
    return pdf
