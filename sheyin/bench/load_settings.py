"""Settings of `python -m sheyin.bench load`: the production settings unchanged, except the URLconf,
which adds the benchmark's two anchor views (`sheyin.bench.load_urls`) to the product's URLs.

Everything else — keys, TLS redirect behind the proxy header, secure cookies, second factor, Redis cache
and sessions, rate limits — comes from `config.settings.production` and the environment the benchmark sets
(see `sheyin.bench.load`).
"""

from config.settings.production import *  # noqa: F403
from config.settings.production import env

ROOT_URLCONF = "sheyin.bench.load_urls"

# The benchmark collects the static files (as the deployment does) into a folder of its own.
STATIC_ROOT = env.path("SHEYIN_BENCH_STATIC_ROOT", default=STATIC_ROOT)  # noqa: F405
