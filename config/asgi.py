import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
application = get_asgi_application()

# Keys missing, malformed, published or not the stored data's: the worker refuses to boot.
from sheyin.common.checks import require_keys_at_start  # noqa: E402

require_keys_at_start()
