"""What the webhook tests share: the receiver on a warehouse, GitHub's sender, and one tick of the sensor."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from dagster import DagsterInstance, SensorResult, build_sensor_context

from achievement_pipeline.cli.webhooks import PATH, WebhookServer, serve_webhooks, stop
from achievement_pipeline.core.warehouse import create_engine
from achievement_pipeline.defs.ingest.webhooks import github_webhooks
from achievement_pipeline.fakes.github import FakeGitHub
from achievement_pipeline.fakes.github.webhooks import WebhookSender
from achievement_pipeline.resources.github import GitHubResource
from achievement_pipeline.resources.warehouse import WarehouseResource
from achievement_pipeline.sources.github.deliveries import DeliveryStore

SECRET = "webhook-secret-for-tests-only-0123456789"
USERS = ("octo-demo", "ada-dev")


@dataclass
class Receiver:
    """A running receiver, the store it writes, and a sender that signs like the webhook on GitHub."""

    server: WebhookServer
    store: DeliveryStore
    sender: WebhookSender
    warehouse_url: str

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}{PATH}"


def sqlite_url(folder: Path) -> str:
    """A SQLite warehouse file in ``folder`` (the receiver's and the sensor's, as in the embedded default)."""
    return f"sqlite:///{folder / 'warehouse.db'}"


@contextmanager
def receiver(fake: FakeGitHub, warehouse_url: str, max_bytes: int | None = None) -> Iterator[Receiver]:
    store = DeliveryStore(create_engine(warehouse_url))
    server = serve_webhooks(store, SECRET, max_bytes=max_bytes)
    sender = WebhookSender(fake, f"http://127.0.0.1:{server.server_port}{PATH}", SECRET)
    try:
        yield Receiver(server, store, sender, warehouse_url)
    finally:
        stop(server)
        store.engine.dispose()


def tick(
    warehouse_url: str, fake: FakeGitHub, cursor: str | None, instance: DagsterInstance | None = None
) -> SensorResult:
    """One evaluation of ``github_webhooks`` from ``cursor``, as the daemon would make it."""
    github = GitHubResource(base_url=fake.base_url, token="t", users=list(USERS), request_spacing_seconds=0)
    resources = {"warehouse": WarehouseResource(url=warehouse_url), "github": github}
    context = build_sensor_context(cursor=cursor, instance=instance, resources=resources)
    result = github_webhooks(context)
    assert isinstance(result, SensorResult)
    return result
