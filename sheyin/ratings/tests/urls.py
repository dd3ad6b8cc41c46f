"""Test-only urlconf: the project's URLs plus the public rating page under "rate/" (as config/urls.py will
mount it)."""

from django.urls import include, path

from config.urls import urlpatterns as project

urlpatterns = [path("rate/", include("sheyin.ratings.public_urls")), *project]
