from django.urls import path

from . import views_exports

app_name = "exports"

urlpatterns = [
    path("", views_exports.job_list, name="jobs"),
    path("<int:pk>/", views_exports.job_detail, name="job"),
    path("<int:pk>/download/", views_exports.job_download, name="download"),
]
