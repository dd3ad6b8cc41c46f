from __future__ import annotations

import time
from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .middleware import LOGIN_AT


@receiver(user_logged_in)
def _remember_login_time(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    # Compared with the user's sessions_valid_after: a revocation ends older sessions.
    if request is not None and hasattr(request, "session"):
        request.session[LOGIN_AT] = time.time()
