from django.urls import path

from . import views

app_name = "institutions"
urlpatterns = [
    path("outlets/", views.outlet_list, name="outlet_list"),
    path("outlets/new/", views.outlet_create, name="outlet_create"),
    path("outlets/pick/", views.outlet_pick, name="outlet_pick"),
    path("outlets/filter-options/", views.filter_options, name="filter_options"),
    path("outlets/<int:pk>/", views.outlet_detail, name="outlet_detail"),
    path("outlets/<int:pk>/edit/", views.outlet_edit, name="outlet_edit"),
    path("banks/", views.bank_list, name="bank_list"),
    path("banks/new/", views.bank_create, name="bank_create"),
    path("banks/<int:pk>/", views.bank_detail, name="bank_detail"),
    path("banks/<int:pk>/edit/", views.bank_edit, name="bank_edit"),
    path("agencies/", views.agency_list, name="agency_list"),
    path("agencies/<int:pk>/edit/", views.agency_edit, name="agency_edit"),
    path("calendar/", views.calendar, name="calendar"),
]
