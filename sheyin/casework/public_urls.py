"""Public verification of printed acceptance receipts. Mounted in config/urls.py as

    path("verify/", include("sheyin.casework.public_urls")),

which gives /verify/receipt/<code>/ (the QR code on a receipt; a code typed at /verify/record/ leads here)."""

from django.urls import path

from . import views

app_name = "receipt_verify"
urlpatterns = [
    path("receipt/<str:code>/", views.receipt_verify, name="receipt"),
]
