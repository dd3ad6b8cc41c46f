from django.urls import path

from . import views

app_name = "support"
urlpatterns = [
    path("tickets/", views.ticket_list, name="ticket_list"),
    path("tickets/new/", views.ticket_new, name="ticket_new"),
    path("tickets/<int:pk>/", views.ticket_detail, name="ticket_detail"),
    path("tickets/<int:pk>/reply/", views.ticket_reply, name="ticket_reply"),
    path("tickets/<int:pk>/follow-up/", views.ticket_follow_up, name="ticket_follow_up"),
    path("tickets/<int:pk>/close/", views.ticket_close, name="ticket_close"),
    path("tickets/<int:pk>/reopen/", views.ticket_reopen, name="ticket_reopen"),
    path("tickets/<int:pk>/faq/", views.ticket_faq, name="ticket_faq"),
    path("tickets/<int:pk>/guidance/", views.ticket_guidance, name="ticket_guidance"),
    path("attachments/<int:pk>/", views.attachment, name="attachment"),
    path("guidance/", views.guidance_list, name="guidance_list"),
    path("faq/", views.faq, name="faq"),
    path("contacts/", views.contact_list, name="contact_list"),
    path("settings/", views.settings_edit, name="settings"),
]
