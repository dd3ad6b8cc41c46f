import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
application = get_wsgi_application()

# Keys missing, malformed, published or not the stored data's: the worker refuses to boot.
from sheyin.common.checks import require_keys_at_start  # noqa: E402

require_keys_at_start()
