"""The handling guide is rich text from the municipal center's editors: sanitised on the way in, so a
page may render it with |safe. No scripts, no event handlers, no style attributes (strict CSP), no
images or off-site resources (the intranet is offline)."""

from __future__ import annotations

import re
from html import unescape

import nh3

TAGS = {
    "p", "br", "strong", "b", "em", "i", "u", "ul", "ol", "li", "h3", "h4", "h5", "blockquote", "hr",
    "a", "table", "thead", "tbody", "tr", "th", "td", "code", "small", "sub", "sup", "dl", "dt", "dd",
}  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}, "th": {"colspan", "rowspan", "scope"}, "td": {"colspan", "rowspan"}}
URL_SCHEMES = {"https", "http", "mailto", "tel"}
MAX_LENGTH = 20_000


def sanitise(html: str) -> str:
    """Only the tags above survive; <script>/<style> lose their content too."""
    cleaned = nh3.clean(
        html or "",
        tags=TAGS,
        clean_content_tags={"script", "style"},
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
    return cleaned.strip()


def plain_text(html: str) -> str:
    """The guide's words without markup (for diffs, exports and search)."""
    tagged = sanitise(html)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", tagged)).split())
