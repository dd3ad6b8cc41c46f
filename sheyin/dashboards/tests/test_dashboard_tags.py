"""A chart's data table is rendered in Python: the same cells, alignment and escaping as the template loop
it replaced."""

from __future__ import annotations

from django.template import Context, Template
from django.utils import translation

LOOP = Template(
    "{% load dashboard_tags %}{% for r in rows %}<tr>{% for v in r %}{% if forloop.first %}"
    '<th scope="row" class="fw-normal">{{ v }}</th>{% else %}<td{% if v|is_number %} class="text-end"'
    '{% endif %}>{{ v|default_if_none:"—" }}</td>{% endif %}{% endfor %}</tr>{% endfor %}'
)
TAG = Template("{% load dashboard_tags %}{% chart_rows rows %}")
ROWS = [
    ["<img src=x onerror=alert(1)>网点", 12, 0.5, None, "87.5%", "—", "朝阳区 & 海淀区"],
    ["2026-11", 1234567, 12.25, 0, "+3", "-1.5", None],
]


def test_the_table_body_equals_the_template_loop_it_replaced_in_both_languages() -> None:
    for lang in ("zh-hans", "en"):
        with translation.override(lang):
            assert TAG.render(Context({"rows": ROWS})) == LOOP.render(Context({"rows": ROWS}))


def test_a_name_is_text_and_numbers_align_right() -> None:
    html = TAG.render(Context({"rows": ROWS}))
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;网点" in html
    assert '<td class="text-end">12</td>' in html and '<td class="text-end">—</td>' in html
    assert "<td>朝阳区 &amp; 海淀区</td>" in html


def test_no_rows_render_nothing() -> None:
    assert TAG.render(Context({"rows": []})) == ""
