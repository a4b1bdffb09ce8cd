from datetime import date

import pytest

from achievement_pipeline.core.warehouse import connect
from tests.factories import make_pr

JAN3, JAN4 = date(2025, 1, 3), date(2025, 1, 4)


@pytest.fixture
def warehouse(tmp_path):
    return connect(f"sqlite:///{tmp_path}/w.db")


def test_replacing_a_window_twice_leaves_one_copy(warehouse):
    rows = [make_pr(1), make_pr(2)]
    warehouse.replace_window("pull_requests", JAN3, JAN4, rows)
    warehouse.replace_window("pull_requests", JAN3, JAN4, rows)
    assert warehouse.count("pull_requests") == 2


def test_replacing_a_window_keeps_other_days(warehouse):
    warehouse.replace_window("pull_requests", date(2025, 1, 2), JAN3, [make_pr(9, merge_date="2025-01-02")])
    warehouse.replace_window("pull_requests", JAN3, JAN4, [make_pr(1)])
    warehouse.replace_window("pull_requests", JAN3, JAN4, [])
    assert [r["pr_id"] for r in warehouse.read_all("pull_requests")] == ["acme/web-app#9"]


def test_lists_round_trip_as_json(warehouse):
    warehouse.replace_window("pull_requests", JAN3, JAN4, [make_pr(1)])
    (row,) = warehouse.read_window("pull_requests", JAN3, JAN4)
    assert row["files"][0]["filename"] == "src/api/session.py" and row["linked_issues"] == [12]


def test_rows_outside_the_window_are_refused_and_nothing_changes(warehouse):
    warehouse.replace_window("pull_requests", JAN3, JAN4, [make_pr(1)])
    with pytest.raises(ValueError, match="outside the window"):
        warehouse.replace_window("pull_requests", JAN3, JAN4, [make_pr(2, merge_date="2025-02-01")])
    assert warehouse.count("pull_requests") == 1


def test_a_failed_insert_rolls_back_the_delete(warehouse):
    warehouse.replace_window("pull_requests", JAN3, JAN4, [make_pr(1)])
    duplicate = [make_pr(2), make_pr(2)]
    with pytest.raises(Exception):  # noqa: B017 - the database's own integrity error
        warehouse.replace_window("pull_requests", JAN3, JAN4, duplicate)
    assert [r["pr_id"] for r in warehouse.read_all("pull_requests")] == ["acme/web-app#1"]


def test_an_unreachable_database_names_the_setting():
    with pytest.raises(ConnectionError, match="ACHIEVEMENT_WAREHOUSE_URL"):
        connect("postgresql+psycopg2://nobody@127.0.0.1:1/none")


def test_a_warehouse_created_by_an_older_version_is_refused_with_what_to_do(tmp_path):
    import sqlalchemy as sa

    from achievement_pipeline.core.warehouse import SchemaMismatch

    url = f"sqlite:///{tmp_path}/old.db"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE pull_requests (pr_id TEXT PRIMARY KEY, merge_date TEXT)"))
    engine.dispose()
    with pytest.raises(SchemaMismatch, match=r"pull_requests lacks .*make clean"):
        connect(url)


def test_two_writers_of_one_window_on_postgresql_both_succeed_leaving_one_copy(postgres_database):
    """A range run and a run of a day inside it may overlap (the run queue cannot tell them apart by tags).

    The first writer is held between its insert and its commit; without serialized writes the second
    one's delete would miss the first one's rows and its insert fail on their keys.
    """
    import threading
    import time

    import sqlalchemy as sa

    warehouse = connect(f"postgresql+psycopg2://{postgres_database}")
    first_inserted = threading.Event()

    def hold_the_first_commit(conn) -> None:
        if threading.current_thread().name == "first" and not first_inserted.is_set():
            first_inserted.set()
            time.sleep(1.0)

    errors: list[BaseException] = []

    def write() -> None:
        try:
            warehouse.replace_window("pull_requests", JAN3, JAN4, [make_pr(1), make_pr(2)])
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    sa.event.listen(warehouse.engine, "commit", hold_the_first_commit)
    try:
        first = threading.Thread(target=write, name="first")
        first.start()
        assert first_inserted.wait(timeout=30)
        second = threading.Thread(target=write, name="second")
        second.start()
        first.join(timeout=60)
        second.join(timeout=60)
    finally:
        sa.event.remove(warehouse.engine, "commit", hold_the_first_commit)
    assert errors == []
    assert sorted(r["pr_id"] for r in warehouse.read_all("pull_requests")) == ["acme/web-app#1", "acme/web-app#2"]
