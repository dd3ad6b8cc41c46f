"""The long-job worker: `manage.py run_huey_long` consumes ``settings.HUEY_LONG`` (site recommendations),
beside `manage.py run_huey` for the short queue. Same options as run_huey."""

from __future__ import annotations

from typing import Any

from huey.contrib.djhuey.management.commands.run_huey import Command as RunHuey


class Command(RunHuey):
    help = "运行长任务队列的后台进程（选址推荐等）。"

    def handle(self, *args: Any, **options: Any) -> None:
        import logging

        from django.conf import settings
        from django.utils.module_loading import autodiscover_modules
        from huey.consumer_options import ConsumerConfig

        from sheyin.common.jobs import LONG_HUEY

        consumer_options: dict[str, Any] = {}
        config_dict = getattr(settings, "HUEY_LONG", None)
        if isinstance(config_dict, dict):
            consumer_options.update(config_dict.get("consumer", {}))
        for key, value in options.items():
            if value is not None and key in ConsumerConfig._fields:
                consumer_options[key] = value
        if not options.get("disable_autoload"):
            autodiscover_modules("tasks")
        logger = logging.getLogger("huey")
        config = ConsumerConfig(**consumer_options)
        config.validate()
        if not logger.handlers:
            config.setup_logger(logger)
        # The long worker runs no periodic task: those belong to the short queue's worker.
        consumer = LONG_HUEY.create_consumer(**{**config.values, "periodic": False})
        consumer.run()
