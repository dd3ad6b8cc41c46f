from django.urls import path

from . import views

app_name = "planning"
urlpatterns = [
    path("", views.index, name="index"),
    path("map/", views.layout_map, name="map"),
    path("map/data/", views.map_data, name="map_data"),
    path("map/whatif/", views.whatif, name="whatif"),
    path("map/pdf/", views.map_pdf, name="map_pdf"),
    path("map/<str:code>/", views.layout_map, name="map_district"),
    path("coverage/", views.coverage_report, name="coverage"),
    path("runs/", views.run_list, name="run_list"),
    path("runs/new/", views.run_create, name="run_create"),
    path("runs/<int:pk>/", views.run_detail, name="run_detail"),
    path("runs/<int:pk>/progress/", views.run_progress, name="run_progress"),
    path("runs/<int:pk>/cancel/", views.run_cancel, name="run_cancel"),
    path("runs/<int:pk>/export.<str:fmt>", views.run_export, name="run_export"),
    path("runs/<int:pk>/adopt/<int:rank>/", views.planned_site_adopt, name="planned_site_adopt"),
    path("planned/", views.planned_list, name="planned_list"),
    path("planned/<int:pk>/withdraw/", views.planned_site_withdraw, name="planned_site_withdraw"),
    path("settings/", views.settings_page, name="settings"),
    path("imports/", views.import_list, name="import_list"),
    path("imports/<str:kind>/new/", views.import_create, name="import_create"),
    path("imports/<str:kind>/template.csv", views.import_template, name="import_template"),
    path("imports/<str:kind>/<int:pk>/", views.import_detail, name="import_detail"),
    path("imports/<str:kind>/<int:pk>/file/", views.import_file, name="import_file"),
    path("imports/<str:kind>/<int:pk>/delete/", views.import_delete, name="import_delete"),
]
