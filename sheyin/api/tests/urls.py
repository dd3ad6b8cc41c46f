"""The project's URLs plus the 接口管理 pages, for as long as config/urls.py does not include them."""

from django.urls import URLResolver, include, path

from config import urls as project

handler400 = project.handler400
handler403 = project.handler403
handler404 = project.handler404
handler500 = project.handler500

_included = any(isinstance(p, URLResolver) and p.namespace == "api" for p in project.urlpatterns)
urlpatterns = list(project.urlpatterns)
if not _included:
    urlpatterns.append(path("integration/", include("sheyin.api.urls")))
