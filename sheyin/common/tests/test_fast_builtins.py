"""`{% url %}` and `|date` are replaced by faster versions (common/templatetags/fast_builtins.py) that must
write exactly what Django's own would, and hand over to Django wherever they cannot be sure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.template import Context, Engine, engines
from django.template.defaultfilters import date as django_date
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, path, register_converter, reverse
from django.urls.converters import IntConverter
from django.utils import timezone

from sheyin.common.templatetags import fast_builtins
from sheyin.common.templatetags.fast_builtins import date as fast_date
from sheyin.common.templatetags.fast_builtins import fast_reverse


def _named_int_routes(resolver: URLResolver, prefix: str = "") -> Iterator[tuple[str, int]]:
    """(namespaced name, number of arguments) of every named route whose arguments are all `<int:…>`."""
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            yield from _named_int_routes(entry, ns)
        elif isinstance(entry, URLPattern) and entry.name:
            converters = getattr(entry.pattern, "converters", {})
            if converters and all(type(c) is IntConverter for c in converters.values()):
                yield f"{prefix}{entry.name}", len(converters)


def test_every_route_with_integer_arguments_is_written_as_django_writes_it() -> None:
    routes = sorted(set(_named_int_routes(get_resolver())))
    assert len(routes) > 100  # the whole workbench, not a sample
    for name, n in routes:
        for args in ([7, 12345, 3, 99][:n], [1, 2, 3, 4][:n]):
            assert fast_reverse(name, args, None) == reverse(name, args=args), name


def test_a_route_without_arguments_is_written_as_django_writes_it() -> None:
    for name in ("casework:case_list", "portal:home", "dashboards:home"):
        assert fast_reverse(name, [], None) == reverse(name)


@pytest.mark.parametrize("args", [["12"], [True], [-1], [1.0], [None], [1, 2, 3, 4, 5]])
def test_anything_but_plain_non_negative_integers_is_left_to_django(args: list[Any]) -> None:
    assert fast_reverse("casework:case_detail", args, None) is None


def test_the_tag_gives_the_same_address_and_keeps_as_var_and_kwargs() -> None:
    tpl = engines["django"].from_string(
        "{% url 'casework:case_detail' pk %}|{% url 'casework:case_detail' pk as u %}[{{ u }}]|"
        "{% url 'casework:case_detail' pk=pk %}|{% url 'casework:case_detail' 'x' as bad %}[{{ bad }}]"
    )
    expected = reverse("casework:case_detail", args=[42])
    assert tpl.render({"pk": 42}) == f"{expected}|[{expected}]|{expected}|[]"


class PaddedInt:
    regex = "[0-9]{6}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return f"{value:06d}"


register_converter(PaddedInt, "padded")
urlpatterns = [path("thing/<padded:pk>/", lambda request, pk: None, name="padded_thing")]


@override_settings(ROOT_URLCONF=__name__)
def test_a_converter_that_writes_integers_its_own_way_is_never_taken_fast() -> None:
    assert reverse("padded_thing", args=[42]) == "/thing/000042/"
    assert fast_reverse("padded_thing", [42], None) is None
    tpl = Engine(builtins=["sheyin.common.templatetags.fast_builtins"]).from_string(
        "{% url 'padded_thing' 42 %}"
    )
    assert tpl.render(Context()) == "/thing/000042/"
    assert any(key[0] == "padded_thing" and value is None for key, value in fast_builtins._PATTERNS.items())


@pytest.mark.parametrize(
    "fmt", ["Y-m-d H:i", "Y-m-d H:i:s", "Y-m-d", "m-d H:i", "H:i", "Y-m", "Y年n月j日", None]
)
def test_the_date_filter_writes_what_djangos_writes(fmt: str | None) -> None:
    values: list[Any] = [
        dt.datetime(2026, 1, 2, 3, 4, 5),
        dt.datetime(2026, 12, 31, 23, 59, 59),
        timezone.localtime(dt.datetime(2026, 6, 30, 16, 5, tzinfo=dt.UTC)),
        dt.date(2026, 3, 9),
        dt.datetime(999, 1, 1, 0, 0),
        None,
        "",
    ]
    for value in values:
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime) and fmt and "H" in fmt:
            continue  # Django itself refuses a time format on a date; the fast filter hands it over
        assert fast_date(value, fmt) == django_date(value, fmt), (value, fmt)


def test_the_page_templates_use_the_fast_versions() -> None:
    tpl = engines["django"].from_string("{% url 'casework:case_detail' 1 %}{{ d|date:'Y-m-d' }}")
    nodes = list(tpl.template.nodelist)
    assert type(nodes[0]) is fast_builtins.FastURLNode
    assert tpl.render({"d": dt.date(2026, 12, 7)}).endswith("2026-12-07")
