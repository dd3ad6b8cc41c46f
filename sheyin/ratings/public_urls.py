"""The public rating page. Mount in config/urls.py as

    path("rate/", include("sheyin.ratings.public_urls")),

which gives /rate/<token>/ (the receipt's QR code, the terminal's "rate this service" step) and /rate/done/."""

from django.urls import path

from . import views

app_name = "rate"
urlpatterns = [
    path("done/", views.rate_done, name="done"),
    path("<str:token>/", views.rate, name="rate"),
]
