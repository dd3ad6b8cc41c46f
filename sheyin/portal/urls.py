from django.urls import path
from django.views.generic import RedirectView

from sheyin.common.access import public

app_name = "portal"
urlpatterns = [path("", public(RedirectView.as_view(pattern_name="dashboards:home")), name="home")]
