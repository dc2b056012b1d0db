"""Settings of daphne subprocesses (live tests, bench/bench_live.py): the test settings on
a database named by ``GENSTATUS_LIVE_DB_NAME``, with a few knobs for the benchmark."""

import os

from tests.settings import *  # noqa: F403

DATABASES["default"]["NAME"] = os.environ["GENSTATUS_LIVE_DB_NAME"]  # noqa: F405
if os.environ.get("GENSTATUS_LIVE_DB_POOL"):  # bench/bench_connect.py --pool
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {"min_size": 2, "max_size": 8}  # noqa: F405
GENSTATUS_LIVE_COALESCE = float(os.environ.get("GENSTATUS_LIVE_COALESCE", "0.05"))
if "CONFIG" in CHANNEL_LAYERS["default"]:  # noqa: F405  (Redis)
    _config = CHANNEL_LAYERS["default"]["CONFIG"]  # noqa: F405
    _config["capacity"] = int(os.environ.get("GENSTATUS_LIVE_CAPACITY", _config["capacity"]))
    _config["prefix"] = os.environ.get("GENSTATUS_LIVE_PREFIX", _config["prefix"])
    # redis-py 8 defaults socket_timeout to 5 s, the length of channels-redis's blocking
    # BZPOPMIN: an idle receive then fails with "Timeout reading from ..." and kills a
    # consumer (redis/redis-py#4091). A longer socket timeout avoids it.
    _config["hosts"] = [
        {"address": h, "socket_timeout": 10} if isinstance(h, str) else h for h in _config["hosts"]
    ]
