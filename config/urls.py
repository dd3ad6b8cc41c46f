from django.urls import include, path

from config.api import api
from sheyin.accounts import views as accounts_views

urlpatterns = [
    path("", include("sheyin.portal.urls")),
    path("workbench/", include("sheyin.dashboards.urls")),
    path("accounts/", include("sheyin.accounts.urls")),
    path("institutions/", include("sheyin.institutions.urls")),
    path("audit/", include("sheyin.audit.urls")),
    path("notifications/", include("sheyin.notifications.urls")),
    path("catalogue/", include("sheyin.catalogue.urls")),
    path("cooperation/", include("sheyin.cooperation.urls")),
    path("staffing/", include("sheyin.staffing.urls")),
    path("planning/", include("sheyin.planning.urls")),
    path("coresystem/", include("sheyin.coresystem.urls")),
    path("casework/", include("sheyin.casework.urls")),
    path("kiosk/", include("sheyin.kiosk.urls")),
    path("integration/", include("sheyin.api.urls")),
    path("verify/", include("sheyin.kiosk.public_urls")),
    path("verify/", include("sheyin.casework.public_urls")),
    path("verify/", include("sheyin.cooperation.public_urls")),
    path("rate/", include("sheyin.ratings.public_urls")),
    path("support/", include("sheyin.support.urls")),
    path("supervision/", include("sheyin.supervision.urls")),
    path("ratings/", include("sheyin.ratings.urls")),
    path("exports/", include("sheyin.common.urls")),
    path("api/v1/", api.urls),
    path("i18n/setlang/", accounts_views.set_language, name="set_language"),
]

handler400 = "sheyin.common.views.error_400"
handler403 = "sheyin.common.views.error_403"
handler404 = "sheyin.common.views.error_404"
handler500 = "sheyin.common.views.error_500"
