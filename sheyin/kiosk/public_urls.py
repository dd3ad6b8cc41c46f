"""Public verification of rights-record printouts. Mount in config/urls.py as

    path("verify/", include("sheyin.kiosk.public_urls")),

which gives /verify/record/ (type a code) and /verify/record/<code>/ (the QR code on a printout)."""

from django.urls import path

from . import views

app_name = "record_verify"
urlpatterns = [
    path("record/", views.verify_lookup, name="lookup"),
    path("record/<str:code>/", views.verify_record, name="record"),
]
