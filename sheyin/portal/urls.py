from django.urls import path

from . import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("outlets/", views.outlet_list, name="outlet_list"),
    path("outlets/nearest/", views.nearest, name="nearest"),
    path("outlets/points.json", views.outlet_points, name="outlet_points"),
    path("outlets/<str:code>/", views.outlet_detail, name="outlet_detail"),
    path("geo/beijing.json", views.boundaries, name="boundaries"),
    path("services/", views.service_list, name="service_list"),
    path("services/<str:code>/", views.service_detail, name="service_detail"),
    path("policy/", views.policy_list, name="policy_list"),
    path("policy/<int:pk>/", views.policy_detail, name="policy_detail"),
    path("policy/<int:pk>/file/", views.material_file, name="material_file"),
    path("notices/", views.notice_list, name="notice_list"),
    path("notices/feed.atom", views.notice_feed, name="notice_feed"),
    path("notices/<int:pk>/", views.notice_detail, name="notice_detail"),
    path("verify/", views.verify, name="verify"),
    path("rate/", views.rate, name="rate"),
    path("elderly/", views.elderly_mode, name="elderly"),
    path("manage/materials/", views.material_list, name="material_list"),
    path("manage/materials/new/", views.material_create, name="material_create"),
    path("manage/materials/<int:pk>/", views.material_detail, name="material_detail"),
    path("manage/materials/<int:pk>/edit/", views.material_edit, name="material_edit"),
    path("manage/materials/<int:pk>/publish/", views.material_publish, name="material_publish"),
    path("manage/materials/<int:pk>/withdraw/", views.material_withdraw, name="material_withdraw"),
]
