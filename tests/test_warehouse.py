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


def test_a_write_records_its_window_with_the_rows_digest_and_inputs(warehouse):
    warehouse.replace_window("pull_requests", JAN3, JAN4, [make_pr(1), make_pr(2)], inputs="abc")
    write = warehouse.last_write("pull_requests", JAN3, JAN4)
    assert (write.rows, write.inputs, len(write.digest)) == (2, "abc", 64)


def test_the_rows_digest_does_not_depend_on_their_order(warehouse):
    warehouse.replace_window("pull_requests", JAN3, JAN4, [make_pr(1), make_pr(2)])
    first = warehouse.last_write("pull_requests", JAN3, JAN4)
    warehouse.replace_window("pull_requests", JAN3, JAN4, [make_pr(2), make_pr(1)])
    assert warehouse.last_write("pull_requests", JAN3, JAN4).digest == first.digest


def test_a_write_of_an_overlapping_window_forgets_the_record_of_the_other(warehouse):
    january = (date(2025, 1, 1), date(2025, 2, 1))
    warehouse.replace_window("pull_requests", *january, [make_pr(1)], inputs="range")
    warehouse.replace_window("pull_requests", JAN3, JAN4, [make_pr(1, title="fix: another title")])
    assert warehouse.last_write("pull_requests", *january) is None
    assert warehouse.last_write("pull_requests", JAN3, JAN4) is not None


def test_a_write_of_another_table_or_a_disjoint_window_keeps_the_record(warehouse):
    warehouse.replace_window("pull_requests", JAN3, JAN4, [make_pr(1)], inputs="kept")
    warehouse.replace_window("pull_requests", JAN4, date(2025, 1, 5), [make_pr(2, merge_date="2025-01-04")])
    warehouse.replace_window("set_aside", JAN3, JAN4, [])
    assert warehouse.last_write("pull_requests", JAN3, JAN4).inputs == "kept"


def test_rewriting_the_same_rows_leaves_them_in_place_and_renews_the_record(warehouse):
    import sqlalchemy as sa

    warehouse.replace_window("pull_requests", JAN3, JAN4, [make_pr(1)], inputs="first")
    statements: list[str] = []

    def seen(conn, cursor, statement, *rest) -> None:  # noqa: ANN001 - SQLAlchemy's event signature
        statements.append(statement)

    sa.event.listen(warehouse.engine, "before_cursor_execute", seen)
    try:
        warehouse.replace_window("pull_requests", JAN3, JAN4, [make_pr(1)], inputs="second")
    finally:
        sa.event.remove(warehouse.engine, "before_cursor_execute", seen)
    assert not any(s.startswith(("DELETE FROM pull_requests", "INSERT INTO pull_requests")) for s in statements)
    assert warehouse.last_write("pull_requests", JAN3, JAN4).inputs == "second"
    assert [r["pr_id"] for r in warehouse.read_all("pull_requests")] == ["acme/web-app#1"]


def test_changed_rows_are_written_even_when_their_count_is_the_same(warehouse):
    warehouse.replace_window("pull_requests", JAN3, JAN4, [make_pr(1)])
    warehouse.replace_window("pull_requests", JAN3, JAN4, [make_pr(1, title="fix: a new title")])
    (row,) = warehouse.read_window("pull_requests", JAN3, JAN4)
    assert row["title"] == "fix: a new title"


def test_a_window_can_be_read_for_some_prs_only(warehouse):
    warehouse.replace_window("pull_requests", JAN3, JAN4, [make_pr(n) for n in (1, 2, 3)])
    rows = warehouse.read_window("pull_requests", JAN3, JAN4, pr_ids=["acme/web-app#3", "acme/web-app#1"])
    assert [r["pr_id"] for r in rows] == ["acme/web-app#1", "acme/web-app#3"]
    assert warehouse.read_window("pull_requests", JAN3, JAN4, pr_ids=[]) == []


def test_some_columns_can_be_read_for_a_window_only(warehouse):
    warehouse.replace_window("pull_requests", JAN3, JAN4, [make_pr(1)])
    warehouse.replace_window("pull_requests", JAN4, date(2025, 1, 5), [make_pr(2, merge_date="2025-01-04")])
    rows = warehouse.read_columns("pull_requests", ("pr_id", "author"), JAN4, date(2025, 1, 5))
    assert rows == [{"pr_id": "acme/web-app#2", "author": "octo-demo"}]
