"""The tree shows the pipeline: wiring in defs/, logic by stage, one home for configuration, public module APIs."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from achievement_pipeline.core import settings

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "achievement_pipeline"
# The domain packages, one per stage (plus what they share): plain Python, no Dagster.
DOMAIN = ("core", "sources", "enrich", "ml", "value", "validate", "export")
# Services beside the pipeline, reading what several stages wrote (the read API): plain Python too, but not a stage.
SERVICES = ("serve",)


def python_files(*roots: Path) -> list[Path]:
    return sorted(path for root in roots for path in root.rglob("*.py"))


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def test_only_the_code_location_sits_directly_in_the_package():
    loose = sorted(path.name for path in PACKAGE.glob("*.py"))
    assert loose == ["__init__.py", "definitions.py"]


def test_no_module_imports_another_modules_private_name():
    offenders = []
    for path in python_files(PACKAGE, ROOT / "tests", ROOT / "bench"):
        tree = ast.parse(path.read_text())
        modules: dict[str, str] = {}  # local name -> our module it stands for
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("achievement_pipeline"):
                for alias in node.names:
                    if alias.name.startswith("_") and not alias.name.startswith("__"):
                        offenders.append(f"{path.relative_to(ROOT)}: {node.module}.{alias.name}")
                    modules[alias.asname or alias.name] = f"{node.module}.{alias.name}"
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("achievement_pipeline") and alias.asname:
                        modules[alias.asname] = alias.name
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in modules
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
            ):
                offenders.append(f"{path.relative_to(ROOT)}: {modules[node.value.id]}.{node.attr}")
    assert offenders == []


def test_the_environment_is_read_only_in_the_settings_module():
    readers = []
    for path in python_files(PACKAGE):
        if path == PACKAGE / "core" / "settings.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv", "putenv"):
                readers.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert readers == []


def _readme_configuration_variables() -> set[str]:
    text = (ROOT / "README.md").read_text()
    section = text.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    return {name for row in rows for name in re.findall(r"`([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)", row)}


def test_the_readme_configuration_table_lists_every_setting_and_nothing_else():
    documented = _readme_configuration_variables()
    assert sorted(set(settings.VARIABLES) - documented) == [], "settings the README's table does not document"
    assert sorted(documented - set(settings.VARIABLES)) == [], "README variables core/settings.py does not declare"


def test_a_variable_outside_the_settings_module_is_refused():
    with pytest.raises(KeyError, match="core/settings.py"):
        settings.text("ACHIEVEMENT_NOT_A_SETTING")


def test_domain_packages_do_not_import_dagster():
    wired = [
        f"{path.relative_to(ROOT)}"
        for package in (*DOMAIN, *SERVICES)
        for path in python_files(PACKAGE / package)
        if any(name == "dagster" or name.startswith(("dagster.", "dagster_")) for name in imported_modules(path))
    ]
    assert wired == []


def test_a_stages_logic_uses_only_the_shared_core_and_its_own_package():
    crossings = []
    for package in DOMAIN:
        allowed = ("achievement_pipeline.core", f"achievement_pipeline.{package}")
        for path in python_files(PACKAGE / package):
            ours = {name for name in imported_modules(path) if name.startswith("achievement_pipeline.")}
            crossings += [f"{path.relative_to(ROOT)} -> {name}" for name in ours if not name.startswith(allowed)]
    assert crossings == []


def test_the_product_starts_the_fake_github_in_one_place_only():
    users = [
        str(path.relative_to(ROOT))
        for path in python_files(PACKAGE)
        if not path.is_relative_to(PACKAGE / "fakes")
        and any(name.startswith("achievement_pipeline.fakes") for name in imported_modules(path))
    ]
    assert users == ["achievement_pipeline/resources/github.py"]


def test_every_asset_dependency_is_an_asset_of_the_project():
    from achievement_pipeline import definitions as code_location

    graph = code_location.defs().resolve_asset_graph()
    assets = set(graph.get_all_asset_keys())
    dangling = {(node.key, parent) for node in graph.asset_nodes for parent in node.parent_keys if parent not in assets}
    assert dangling == set()
    assert {node.key for node in graph.asset_nodes if not node.is_materializable} == set()


def _project_copy(destination: Path) -> Path:
    destination.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, destination / name)
    shutil.copytree(PACKAGE, destination / "achievement_pipeline", ignore=shutil.ignore_patterns("__pycache__"))
    return destination


def _asset_keys_loaded_from(path: Path, cwd: Path) -> list[str]:
    """Asset keys of the code location imported from ``path`` (first on sys.path), in a fresh process."""
    code = (
        "import achievement_pipeline, achievement_pipeline.definitions as d; "
        f"assert achievement_pipeline.__file__.startswith({str(path)!r}), achievement_pipeline.__file__; "
        "print(sorted(k.to_user_string() for k in d.defs().resolve_asset_graph().get_all_asset_keys()))"
    )
    env = {**os.environ, "PYTHONPATH": str(path), "ACHIEVEMENT_HOME": str(cwd / "home")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd, env=env, timeout=180)
    assert out.returncode == 0, out.stderr[-3000:]
    return ast.literal_eval(out.stdout.strip().splitlines()[-1])


def test_a_file_scaffolded_into_a_stage_folder_joins_the_code_location(tmp_path):
    project = _project_copy(tmp_path / "project")
    dg = Path(sys.executable).with_name("dg")
    scaffold = subprocess.run(
        [str(dg), "scaffold", "defs", "dagster.asset", "enrich/reading_time.py"],
        capture_output=True, text=True, cwd=project, timeout=180,
    )  # fmt: skip
    assert scaffold.returncode == 0, scaffold.stdout + scaffold.stderr
    assert (project / "achievement_pipeline" / "defs" / "enrich" / "reading_time.py").exists()
    assert "reading_time" in _asset_keys_loaded_from(project, tmp_path)


def test_the_installed_wheel_loads_the_same_code_location(tmp_path):
    """The image installs a wheel (no checkout): it must carry its files and find its defs folder."""
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), "."],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )  # fmt: skip
    assert build.returncode == 0, build.stdout + build.stderr
    (wheel,) = tmp_path.glob("achievement_pipeline-*.whl")
    installed = tmp_path / "site-packages"
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        archive.extractall(installed)
    for packaged in (
        "pyproject.toml",
        "achievement_pipeline/core/assumptions.yaml",
        "achievement_pipeline/core/migrations/alembic.ini",
        "achievement_pipeline/core/migrations/versions/0002_window_records_archive_monthly_partitions.py",
        "achievement_pipeline/export/portfolio_schema.json",
        "achievement_pipeline/export/reports/templates/portfolio.html.j2",
        "achievement_pipeline/fakes/github/github-schema.graphql.gz",
    ):
        assert packaged in names, packaged
    assert not any(name.startswith(("tests/", "bench/", "deploy/")) for name in names)
    checkout = _asset_keys_loaded_from(ROOT, tmp_path)
    assert _asset_keys_loaded_from(installed, tmp_path) == checkout
