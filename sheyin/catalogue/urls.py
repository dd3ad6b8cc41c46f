from django.urls import path

from . import views, views_proposals

app_name = "catalogue"
urlpatterns = [
    # staff
    path("", views.current, name="current"),
    path("versions/", views.version_list, name="version_list"),
    path("versions/new/", views.version_create, name="version_create"),
    path("versions/<int:pk>/", views.version_detail, name="version_detail"),
    path("versions/<int:pk>/summary/", views.version_summary, name="version_summary"),
    path("versions/<int:pk>/review/", views.version_review, name="version_review"),
    path("versions/<int:pk>/export/", views.version_export, name="version_export"),
    path("versions/<int:pk>/import/", views.version_import, name="version_import"),
    path("versions/<int:pk>/items/new/", views.item_create, name="item_create"),
    path("versions/<int:pk>/<slug:action>/", views.version_action, name="version_action"),
    path("items/<int:pk>/", views.item_detail, name="item_detail"),
    path("items/<int:pk>/edit/", views.item_edit, name="item_edit"),
    path("items/<int:pk>/delete/", views.item_delete, name="item_delete"),
    path("guide-preview/", views.guide_preview, name="guide_preview"),
    path("diff/", views.diff, name="diff"),
    path("import-template/", views.import_template, name="import_template"),
    # service proposals (R10.2)
    path("proposals/", views_proposals.proposal_list, name="proposal_list"),
    path("proposals/new/", views_proposals.proposal_new, name="proposal_new"),
    path("proposals/<int:pk>/", views_proposals.proposal_detail, name="proposal_detail"),
    path("proposals/<int:pk>/edit/", views_proposals.proposal_edit, name="proposal_edit"),
    path("proposals/<int:pk>/carry/", views_proposals.proposal_carry, name="proposal_carry"),
    # public (no login)
    path("public/", views.public_catalogue, name="public"),
    path("public/history/", views.public_history, name="public_history"),
    path("public/versions/<int:number>/", views.public_version, name="public_version"),
    path("public/items/<str:code>/", views.public_item, name="public_item"),
]
