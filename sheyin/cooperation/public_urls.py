"""Public plaque verification, mounted at /verify/ in config/urls.py: /verify/plaque/<number>/."""

from django.urls import path

from .views import public

app_name = "verify"
urlpatterns = [path("plaque/<str:number>/", public.verify_plaque, name="verify_plaque")]
