from django.urls import path

from . import views

app_name = "staffing"
urlpatterns = [
    # roster
    path("staff/", views.staff_list, name="staff_list"),
    path("staff/new/", views.staff_create, name="staff_create"),
    path("staff/<int:pk>/", views.staff_detail, name="staff_detail"),
    path("staff/<int:pk>/edit/", views.staff_edit, name="staff_edit"),
    path("staff/<int:pk>/status/", views.staff_status, name="staff_status"),
    path("staff/<int:pk>/education/", views.education_record, name="education_record"),
    path("staff/<int:pk>/account/", views.staff_link, name="staff_link"),
    path("staff/<int:pk>/transfer/", views.transfer_propose, name="transfer_propose"),
    path("transfers/", views.transfer_list, name="transfer_list"),
    path("transfers/<int:pk>/decide/", views.transfer_decide, name="transfer_decide"),
    # training (Annex 6)
    path("training/", views.session_list, name="session_list"),
    path("training/sessions/new/", views.session_create, name="session_create"),
    path("training/sessions/<int:pk>/", views.session_detail, name="session_detail"),
    path("training/sessions/<int:pk>/edit/", views.session_edit, name="session_edit"),
    path("training/sessions/<int:pk>/enrol/", views.session_enrol, name="session_enrol"),
    path("training/sessions/<int:pk>/attendance/", views.session_attendance, name="session_attendance"),
    path("training/sessions/<int:pk>/status/", views.session_status, name="session_status"),
    path("training/enrolments/<int:pk>/cancel/", views.enrolment_cancel, name="enrolment_cancel"),
    path("training/courses/", views.course_list, name="course_list"),
    path("training/courses/new/", views.course_create, name="course_create"),
    path("training/courses/<int:pk>/edit/", views.course_edit, name="course_edit"),
    path("training/courses/<int:pk>/questions/", views.question_list, name="question_list"),
    path("training/courses/<int:pk>/questions/new/", views.question_create, name="question_create"),
    path("training/questions/<int:pk>/edit/", views.question_edit, name="question_edit"),
    # exams
    path("exams/", views.exam_list, name="exam_list"),
    path("exams/offline/", views.exam_offline, name="exam_offline"),
    path("exams/<int:pk>/certificate.pdf", views.exam_certificate, name="exam_certificate"),
    path("exams/<int:pk>/evidence/", views.exam_evidence, name="exam_evidence"),
    path("verify/<str:code>/", views.certificate_verify, name="certificate_verify"),
    # confidentiality agreements (Annex 7)
    path("agreements/", views.agreement_list, name="agreement_list"),
    path("agreements/template/", views.template_edit, name="template_edit"),
    path("agreements/<int:pk>/pdf/", views.agreement_file, name="agreement_pdf"),
    # permission grants
    path("grants/", views.grant_list, name="grant_list"),
    path("grants/new/", views.grant_propose, name="grant_propose"),
    path("grants/checks/", views.grant_checks, name="grant_checks"),
    path("grants/<int:pk>/", views.grant_detail, name="grant_detail"),
    path("grants/<int:pk>/decide/", views.grant_decide, name="grant_decide"),
    path("grants/<int:pk>/revoke/", views.grant_revoke, name="grant_revoke"),
    # staffing check (Annex 1) and settings
    path("check/", views.staffing_check, name="check"),
    path("settings/", views.settings_edit, name="settings"),
    # self-service of the staff member (reachable before a grant: R9.1 training, exam, signing)
    path("my/", views.my, name="my"),
    path("my/exams/<int:course_pk>/start/", views.my_exam_start, name="my_exam_start"),
    path("my/attempts/<int:pk>/", views.my_attempt, name="my_attempt"),
    path("my/attempts/<int:pk>/answer/", views.my_answer, name="my_answer"),
    path("my/attempts/<int:pk>/submit/", views.my_submit, name="my_submit"),
    path("my/attempts/<int:pk>/certificate.pdf", views.my_certificate, name="my_certificate"),
    path("my/agreement/", views.my_agreement, name="my_agreement"),
    path("my/agreements/<int:pk>/pdf/", views.my_agreement_pdf, name="my_agreement_pdf"),
]
