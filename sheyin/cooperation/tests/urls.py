"""Test URLconf: the project's URLs, plus the public plaque mount at /verify/ if config/urls.py does not
have it yet (the project mounts `sheyin.cooperation.public_urls` there). If another app's pages do not
import while it is being built, each app is included on its own so this app's tests still run."""

from typing import Any

from django.urls import include, path

from sheyin.accounts import views as accounts_views


def _optional(prefix: str, module: str) -> list[Any]:
    try:
        return [path(prefix, include(module))]
    except Exception:  # an app whose pages do not import yet
        return []


try:
    from config.urls import urlpatterns as _project

    urlpatterns: list[Any] = list(_project)
except Exception:
    urlpatterns = [
        path("workbench/", include("sheyin.dashboards.urls")),
        path("accounts/", include("sheyin.accounts.urls")),
        path("institutions/", include("sheyin.institutions.urls")),
        path("notifications/", include("sheyin.notifications.urls")),
        path("cooperation/", include("sheyin.cooperation.urls")),
        path("i18n/setlang/", accounts_views.set_language, name="set_language"),
    ]
    for _prefix, _module in (
        ("", "sheyin.portal.urls"),
        ("audit/", "sheyin.audit.urls"),
        ("catalogue/", "sheyin.catalogue.urls"),
        ("staffing/", "sheyin.staffing.urls"),
        ("planning/", "sheyin.planning.urls"),
    ):
        urlpatterns += _optional(_prefix, _module)

if not any(getattr(p, "namespace", None) == "verify" for p in urlpatterns):
    urlpatterns.insert(0, path("verify/", include("sheyin.cooperation.public_urls")))

handler400 = "sheyin.common.views.error_400"
handler403 = "sheyin.common.views.error_403"
handler404 = "sheyin.common.views.error_404"
handler500 = "sheyin.common.views.error_500"
