"""Who started a run, read from its tags: a signed-in person, else the schedule, sensor or backfill that did.

In the Kubernetes deployment every run launched from the UI carries Dagster's ``user`` tag with the
GitHub login of the person who launched it: ``achievement-launch-tagger`` writes it from the login
proxy's header and removes any value the request itself carried. Dagster uses the same tag (its UI's
"Launched by" column and filter read it, and a backfill's ``user`` is that tag), so the UI shows who
launched a run without anything of ours. Runs Dagster starts by itself carry the tags it gives them:
the schedule's or the sensor's name (automation's runs name the automation sensor), or the backfill's
id; a backfill launched from the UI passes its tags, the login included, to every run it starts.

The audit trail and the tagger both read this module: the tag, what a valid login is, and the answer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

LAUNCHED_BY_TAG = "user"  # Dagster's own tag for the person who launched a run (dagster._core.storage.tags.USER_TAG)
SCHEDULE_TAG = "dagster/schedule_name"
SENSOR_TAG = "dagster/sensor_name"
BACKFILL_TAG = "dagster/backfill"
UNKNOWN = "a run launched without sign-in"
_BY_PRECEDENCE = (
    ("user", LAUNCHED_BY_TAG),
    ("schedule", SCHEDULE_TAG),
    ("sensor", SENSOR_TAG),
    ("backfill", BACKFILL_TAG),
)

# A GitHub login: letters, digits and single hyphens, no hyphen first or last, at most 39 characters.
_LOGIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}")


def is_login(value: str) -> bool:
    """Whether ``value`` is a GitHub login (what the login proxy passes on for the GitHub provider)."""
    return _LOGIN.fullmatch(value) is not None


@dataclass(frozen=True)
class Launcher:
    """Who or what started a run: ``kind`` is user, schedule, sensor, backfill or unknown; ``name`` says which."""

    kind: str
    name: str = ""

    def __str__(self) -> str:
        if self.kind == "user":
            return self.name
        if self.kind == "unknown":
            return UNKNOWN
        return f"{self.kind} {self.name}"


def who_started(tags: Mapping[str, str]) -> Launcher:
    """Who started the run with these tags, most specific first.

    A person beats the machinery that carried their launch (a backfill or a re-execution they started
    keeps their login); a run with none of these tags was launched where no login stands in front of
    Dagster (``make ui``, the ``dagster`` command line) and says so rather than guessing.
    """
    for kind, key in _BY_PRECEDENCE:
        if tags.get(key):
            return Launcher(kind, tags[key])
    return Launcher("unknown")
