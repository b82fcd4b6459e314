"""The locustfile of the benchmark's role mix: reps, managers and marketers using the app at once.

bench.load_mix runs it headless and reads its CSV. BENCH_LOCUST_CONFIG names a JSON file the harness
writes: for each scenario of the mix its role, weight, expected status and requests, each carrying
the session cookie of a user of that role. Every simulated user picks a scenario by weight for each
request (so even one user makes the mix) and sends the next of its requests, without think time:
a closed loop, as wrk's connections are.
"""

import json
import os
import random
from itertools import cycle
from pathlib import Path
from typing import Any

from locust import FastHttpUser, constant, task

ENTRIES: list[dict[str, Any]] = json.loads(Path(os.environ["BENCH_LOCUST_CONFIG"]).read_text())["entries"]
WEIGHTS = [entry["weight"] for entry in ENTRIES]


class Staff(FastHttpUser):
    wait_time = constant(0)

    def on_start(self) -> None:
        self.next_target = {entry["name"]: cycle(entry["targets"]).__next__ for entry in ENTRIES}

    @task
    def use_the_app(self) -> None:
        entry = random.choices(ENTRIES, weights=WEIGHTS)[0]  # noqa: S311 (a traffic mix, not a secret)
        target = self.next_target[entry["name"]]()
        with self.client.request(
            target["method"],
            target["path"],
            headers=target["headers"],
            data=target["body"] or None,
            name=f"{entry['name']} ({entry['role']})",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != entry["expected_status"]:
                response.failure(f"answered {response.status_code}, expected {entry['expected_status']}")
