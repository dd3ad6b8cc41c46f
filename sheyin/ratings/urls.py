from django.urls import path

from . import views

app_name = "ratings"
urlpatterns = [
    path("", views.rating_list, name="list"),
    path("bad-reviews/", views.bad_list, name="bad_list"),
    path("bad-reviews/<int:pk>/", views.bad_detail, name="bad_detail"),
    path("bad-reviews/<int:pk>/evidence/", views.evidence, name="evidence"),
    path("statistics/", views.statistics_view, name="statistics"),
    path("ranking/", views.ranking, name="ranking"),
    path("settings/", views.settings_view, name="settings"),
    path("public/", views.public_statistics, name="public"),
]
