"""`data_json`: a page's large data as JSON in a script element, escaped like Django's `json_script` (no
markup can end the element) but with Chinese kept as UTF-8."""

from __future__ import annotations

import json
import re

from django.template import Context, Template


def render(value: object) -> str:
    return Template('{% load sheyin %}{{ value|data_json:"d" }}').render(Context({"value": value}))


def test_it_keeps_chinese_readable_and_the_data_intact() -> None:
    value = {"points": [[1, "朝阳区第1网点", "operating", 116.48, 39.92]], "note": "a & b"}
    html = render(value)
    assert html.startswith('<script id="d" type="application/json">') and html.endswith("</script>")
    assert "朝阳区第1网点" in html and "\\u671d" not in html
    body = re.fullmatch(r'<script id="d" type="application/json">(.*)</script>', html, re.S)
    assert body is not None and json.loads(body.group(1)) == value


def test_a_name_cannot_close_the_script_element() -> None:
    html = render({"name": "</script><script>alert(1)</script>"})
    assert html.count("</script>") == 1 and "<script>alert" not in html
    assert "\\u003C/script\\u003E" in html
