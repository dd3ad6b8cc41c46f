from django.urls import path

from . import views

app_name = "kiosk"
urlpatterns = [
    # the terminal (device credential)
    path("", views.home, name="home"),
    path("identify/", views.identify, name="identify"),
    path("identify/code/", views.identify_code, name="identify_code"),
    path("record/", views.record, name="record"),
    path("record/print/", views.record_print, name="record_print"),
    path("record/printed/<str:code>/", views.printed, name="printed"),
    path("record/printed/<str:code>/pdf/", views.printed_pdf, name="printed_pdf"),
    path("end/", views.end, name="end"),
    path("language/", views.language, name="language"),
    path("activate/", views.activate, name="activate"),
    # public verification (also mounted at /verify/record/ through public_urls.py)
    path("verify/", views.verify_lookup, name="verify_lookup"),
    path("verify/<str:code>/", views.verify_record, name="verify_record"),
    # staff
    path("terminals/", views.terminal_list, name="terminal_list"),
    path("terminals/new/", views.terminal_create, name="terminal_create"),
    path("terminals/<int:pk>/", views.terminal_detail, name="terminal_detail"),
    path("queries/", views.query_list, name="query_list"),
]
