from django.urls import path

from . import views

app_name = "casework"
urlpatterns = [
    path("accept/", views.accept_home, name="accept_home"),
    path("cases/", views.case_list, name="case_list"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/work/", views.case_work, name="case_work"),
    path("cases/<int:pk>/receipt.pdf", views.case_receipt, name="case_receipt"),
    path("cases/<int:pk>/files/<int:file_pk>/", views.case_file, name="case_file"),
    path("reviews/", views.review_list, name="review_list"),
    path("status/<str:receipt_no>/", views.status, name="status"),
    path("archives/", views.archive_list, name="archive_list"),
    path("archives/<int:pk>/", views.archive_detail, name="archive_detail"),
    path("handovers/", views.handover_list, name="handover_list"),
    path("handovers/inbox/", views.handover_inbox, name="handover_inbox"),
    path("handovers/<int:pk>/", views.handover_detail, name="handover_detail"),
    path("guided/", views.guided_list, name="guided_list"),
    path("guided/<int:pk>/finish/", views.guided_finish, name="guided_finish"),
    path("guided/<int:pk>/slip/", views.guided_slip, name="guided_slip"),
    path("guided/<int:pk>/slip.pdf", views.guided_slip_pdf, name="guided_slip_pdf"),
]
