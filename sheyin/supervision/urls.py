from django.urls import path

from . import views

app_name = "supervision"
urlpatterns = [
    path("findings/", views.finding_list, name="finding_list"),
    path("findings/<int:pk>/", views.finding_detail, name="finding_detail"),
    path("rectifications/", views.rectification_list, name="rectification_list"),
    path("rectifications/<int:pk>/", views.rectification_detail, name="rectification_detail"),
    path("appraisals/", views.appraisal_list, name="appraisal_list"),
    path("proposals/<int:pk>/", views.proposal_decide, name="proposal_decide"),
    path("rules/", views.rule_list, name="rule_list"),
]
