from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password/", views.password_change, name="password_change"),
    path("activate/", views.activate, name="activate"),
    path("keepalive/", views.keepalive, name="keepalive"),
    path("2fa/", views.second_factor, name="second_factor"),
    path("profile/", views.profile, name="profile"),
    path("help/", views.help_guide, name="help"),
    path("help/<slug:name>/", views.help_guide, name="help_guide"),
    path("reveal/<str:kind>/<int:pk>/", views.reveal, name="reveal"),
    path("users/", views.user_list, name="user_list"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:pk>/", views.user_detail, name="user_detail"),
    path("users/<int:pk>/roles/", views.role_assign, name="role_assign"),
    path("users/<int:pk>/roles/<int:assignment_pk>/revoke/", views.role_revoke, name="role_revoke"),
    path("users/<int:pk>/unlock/", views.user_unlock, name="user_unlock"),
    path("users/<int:pk>/active/", views.user_set_active, name="user_set_active"),
    path("users/<int:pk>/password/", views.user_reset_password, name="user_reset_password"),
    path("users/<int:pk>/activation/", views.user_resend_activation, name="user_resend_activation"),
    path("users/<int:pk>/2fa/", views.user_reset_second_factor, name="user_reset_second_factor"),
]
