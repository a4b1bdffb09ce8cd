"""`achievement-archive`: the warehouse's storage tiers by hand (archive, list, restore, thaw, lifecycle).

The monthly ``warehouse_archive`` asset does the archiving on its own; this command is for a person:
archive now, see what is archived, bring a month back (a restored month stays hot until it is old
enough again), ask S3 to make a month in a cold storage class readable again, and apply the
archive's lifecycle rules (``deploy/s3/archive-lifecycle.json``) to the bucket. It uses the settings
the pipeline uses (ACHIEVEMENT_WAREHOUSE_URL, ACHIEVEMENT_S3_BUCKET, ACHIEVEMENT_ARCHIVE_PREFIX, ...).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from achievement_pipeline.cli.preflight import check_settings, in_one_line
from achievement_pipeline.core import archive, settings
from achievement_pipeline.core.partitions_pg import check_month
from achievement_pipeline.resources.warehouse import WarehouseResource, monthly_tables

LIFECYCLE_FILE = Path("deploy/s3/archive-lifecycle.json")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="achievement-archive", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="archive every month older than ACHIEVEMENT_ARCHIVE_AFTER_MONTHS now")
    run.add_argument("--after-months", type=int, help="instead of ACHIEVEMENT_ARCHIVE_AFTER_MONTHS")
    commands.add_parser("list", help="the archived months: table, month, rows, bytes, location")
    for name, what in (("restore", "bring archived months back into the warehouse"), ("thaw", "ask S3 to make a "
                       "cold (GLACIER, DEEP_ARCHIVE) archived month readable for --days")):  # fmt: skip
        command = commands.add_parser(name, help=what)
        command.add_argument("table", nargs="?", help=f"one of {', '.join(monthly_tables())}")
        command.add_argument("month", nargs="?", help="YYYY-MM")
        command.add_argument("--all", action="store_true", help="every archived month (of the table, if named)")
    thaw = commands.choices["thaw"]
    thaw.add_argument("--days", type=int, default=7, help="how long S3 keeps the readable copy (default 7)")
    thaw.add_argument("--tier", default="Standard", choices=("Expedited", "Standard", "Bulk"), help="S3's speed")
    lifecycle = commands.add_parser("lifecycle", help="apply the archive's lifecycle rules to ACHIEVEMENT_S3_BUCKET")
    lifecycle.add_argument("file", nargs="?", type=Path, default=LIFECYCLE_FILE, help=f"default {LIFECYCLE_FILE}")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Do what the command line asks; a configuration mistake ends in one line on stderr (exit status 2)."""
    return in_one_line("achievement-archive", lambda: _run(argv))


def _run(argv: Sequence[str] | None) -> int:
    check_settings()
    args = _parser().parse_args(argv)
    if args.command == "lifecycle":
        for line in apply_lifecycle(args.file):
            print(line)
        return 0
    store = WarehouseResource(url=settings.text("ACHIEVEMENT_WAREHOUSE_URL")).get()
    tables = monthly_tables()
    files = store.archive_files
    if args.command == "run":
        months = settings.number("ACHIEVEMENT_ARCHIVE_AFTER_MONTHS") if args.after_months is None else args.after_months
        if months < 1:
            raise settings.SettingError(
                "nothing to archive: ACHIEVEMENT_ARCHIVE_AFTER_MONTHS is 0 or unset; set it or pass --after-months"
            )
        today = datetime.now(UTC).date()
        done = archive.archive_old_months(store.engine, tables.values(), files, int(months), today)
        print(f"archived {len(done)} months (kept hot from {archive.cutoff(today, int(months))})")
        for entry in done:
            print(f"{entry.table}\t{entry.month}\t{entry.rows} rows\t{entry.bytes} bytes\t{entry.location}")
        return 0
    with store.engine.connect() as conn:
        held = archive.entries(conn)
    if args.command == "list":
        for entry in held:
            print(f"{entry.table}\t{entry.month}\t{entry.rows} rows\t{entry.bytes} bytes\t{entry.location}")
        return 0
    chosen = _chosen(held, args, tables)
    for entry in chosen:
        if args.command == "restore":
            archive.restore_month(store.engine, tables[entry.table], entry.month, files)
            print(f"restored {entry.table} {entry.month}: {entry.rows} rows")
        else:
            print(f"{entry.table} {entry.month}: {thaw(entry.location, files, args.days, args.tier)}")
    return 0


def _chosen(held: list[archive.ArchivedMonth], args: argparse.Namespace, tables: dict[str, Any]) -> list[Any]:
    if args.table is not None and args.table not in tables:
        raise settings.SettingError(f"{args.table!r} is no monthly table: use one of {', '.join(tables)}")
    if args.all:
        return [entry for entry in held if args.table in (None, entry.table)]
    if args.table is None or args.month is None:
        raise settings.SettingError(f"name a table and a month (YYYY-MM), or use --all, to {args.command}")
    try:
        month = check_month(args.month)
    except ValueError as exc:
        raise settings.SettingError(str(exc)) from None
    found = [entry for entry in held if (entry.table, entry.month) == (args.table, month)]
    if not found:
        raise settings.SettingError(f"{args.table} {month} is not archived (achievement-archive list shows what is)")
    return found


def thaw(location: str, files: archive.ArchiveFiles, days: int, tier: str) -> str:
    """Ask S3 to restore a cold object for ``days``; what S3 said (a local file needs nothing)."""
    if not location.startswith("s3://"):
        return "a local file: always readable"
    from botocore import exceptions as aws

    bucket, key = location.removeprefix("s3://").split("/", 1)
    client = files.s3_client()
    request = {"Days": days, "GlacierJobParameters": {"Tier": tier}}
    try:
        client.restore_object(Bucket=bucket, Key=key, RestoreRequest=request)
    except aws.ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code == "InvalidObjectState":
            return "not in a cold storage class: readable as it is"
        if code == "RestoreAlreadyInProgress":
            return "a restore is already under way"
        raise
    return f"restore requested ({tier}); readable once S3 has finished, for {days} days"


def lifecycle_rules(path: Path) -> dict[str, Any]:
    """The lifecycle configuration in ``path``, refused when its rules would miss the archive's prefix."""
    try:
        configuration = json.loads(path.read_text())
    except OSError as exc:
        raise settings.SettingError(f"cannot read the lifecycle file {path}: {exc.strerror}") from None
    except ValueError as exc:
        raise settings.SettingError(f"the lifecycle file {path} is not JSON: {exc}") from None
    prefix = settings.text("ACHIEVEMENT_ARCHIVE_PREFIX").strip("/") + "/"
    covered = [rule.get("Filter", {}).get("Prefix", "") for rule in configuration.get("Rules", [])]
    if not covered or any(not prefix.startswith(found) for found in covered):
        raise settings.SettingError(
            f"the rules in {path} filter {covered or 'nothing'}, not the archive's prefix {prefix!r} "
            "(ACHIEVEMENT_ARCHIVE_PREFIX): edit the file's Filter.Prefix to match"
        )
    return configuration


def apply_lifecycle(path: Path) -> list[str]:
    """Put ``path``'s rules on ACHIEVEMENT_S3_BUCKET beside its other rules (a rule of the same ID is replaced):
    S3 keeps one lifecycle configuration per bucket, and the exports may have rules of their own."""
    from botocore import exceptions as aws

    configuration = lifecycle_rules(path)
    bucket = settings.text("ACHIEVEMENT_S3_BUCKET")
    if not bucket:
        raise settings.SettingError("ACHIEVEMENT_S3_BUCKET is not set: lifecycle rules are for the S3 archive")
    client = archive.ArchiveFiles.from_settings().s3_client()
    try:
        existing = client.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    except aws.ClientError as exc:
        if str(exc.response.get("Error", {}).get("Code", "")) != "NoSuchLifecycleConfiguration":
            raise
        existing = []
    ours = {rule["ID"] for rule in configuration["Rules"]}
    rules = [rule for rule in existing if rule.get("ID") not in ours] + configuration["Rules"]
    client.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": rules})
    return [f"{bucket}: {rule['ID']} {_transitions(rule)}" for rule in configuration["Rules"]]


def _transitions(rule: dict[str, Any]) -> str:
    steps = ", ".join(f"{step['StorageClass']} after {step['Days']} days" for step in rule.get("Transitions", []))
    return f"on {rule.get('Filter', {}).get('Prefix', '')!r}: {steps or 'no transitions'}"
