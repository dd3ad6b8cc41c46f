from django.urls import path

from . import views, views_appraisals, views_banks, views_inspections

app_name = "supervision"
urlpatterns = [
    path("findings/", views.finding_list, name="finding_list"),
    path("findings/<int:pk>/", views.finding_detail, name="finding_detail"),
    path("rectifications/", views.rectification_list, name="rectification_list"),
    path("rectifications/<int:pk>/", views.rectification_detail, name="rectification_detail"),
    path("appraisals/", views.appraisal_list, name="appraisal_list"),
    path("appraisals/<int:pk>/", views_appraisals.appraisal_detail, name="appraisal_detail"),
    path("appraisals/preview/", views_appraisals.appraisal_preview_view, name="appraisal_preview"),
    path("talks/", views_appraisals.talk_list, name="talk_list"),
    path("talks/<int:pk>/", views_appraisals.talk_detail, name="talk_detail"),
    path("proposals/<int:pk>/", views.proposal_decide, name="proposal_decide"),
    path("rules/", views.rule_list, name="rule_list"),
    path("rules/<int:pk>/", views_banks.rule_edit, name="rule_edit"),
    path("settings/", views_banks.settings_edit, name="settings"),
    path("plans/", views_inspections.plan_list, name="plan_list"),
    path("plans/<int:pk>/", views_inspections.plan_detail, name="plan_detail"),
    path("inspections/<int:pk>/", views_inspections.inspection_detail, name="inspection_detail"),
    path("inspections/<int:pk>/assign/", views_inspections.inspection_assign, name="inspection_assign"),
    path("inspection-photos/<int:pk>/", views_inspections.inspection_photo, name="inspection_photo"),
    path("feedback/new/", views_inspections.complaint_new, name="complaint_new"),
    path("feedback/import/", views_inspections.hotline_import, name="hotline_import"),
    path("self-inspections/", views_banks.self_inspection_list, name="self_inspection_list"),
    path("self-inspections/new/", views_banks.self_inspection_new, name="self_inspection_new"),
    path("self-inspections/<int:pk>/", views_banks.self_inspection_detail, name="self_inspection_detail"),
    path("consultations/", views_banks.consultation_list, name="consultation_list"),
    path("consultations/new/", views_banks.consultation_new, name="consultation_new"),
    path("consultations/<int:pk>/", views_banks.consultation_detail, name="consultation_detail"),
    path(
        "consultation-actions/<int:pk>/done/",
        views_banks.consultation_action_done,
        name="consultation_action_done",
    ),
]
