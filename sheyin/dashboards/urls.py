from django.urls import path

from . import views, views_reports

app_name = "dashboards"
urlpatterns = [
    path("", views.home, name="home"),
    path("geo/beijing.json", views.boundaries, name="boundaries"),
    path("reports/", views_reports.report_list, name="report_list"),
    path("reports/new/", views_reports.report_run_new, name="report_run_new"),
    path("reports/runs/<int:pk>/", views_reports.report_run, name="report_run"),
    path("reports/<int:pk>/", views_reports.report_detail, name="report_detail"),
    path("reports/<int:pk>/reissue/", views_reports.report_reissue, name="report_reissue"),
    path("reports/<int:pk>/<str:fmt>/", views_reports.report_download, name="report_download"),
]
