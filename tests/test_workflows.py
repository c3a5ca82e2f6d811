"""The GitHub Actions workflows: triggers, permissions, pins, step order, and the auditors.

Workflows are read with PyYAML, which parses the key ``on`` as ``True`` (YAML 1.1).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
GITHUB = REPO / ".github"
WORKFLOWS = sorted((GITHUB / "workflows").glob("*.yml"))

# Jobs that get more than the workflow's `contents: read`, and exactly what they get.
JOB_PERMISSIONS = {
    ("weekly.yml", "build"): {"contents": "write", "pages": "read"},
    ("weekly.yml", "deploy"): {"pages": "write", "id-token": "write"},
}

PINNED_USES = re.compile(r"uses: [\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*\s*$")
CRON_DAYS = {"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}


def load(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def weekly() -> dict[str, Any]:
    return load(GITHUB / "workflows" / "weekly.yml")


JOBS = [
    pytest.param(path.name, name, job, id=f"{path.name}:{name}")
    for path in WORKFLOWS
    for name, job in load(path)["jobs"].items()
]


def runs(job: dict[str, Any]) -> list[str]:
    return [step.get("run", "") for step in job["steps"]]


def step_index(job: dict[str, Any], predicate, what: str) -> int:
    found = [i for i, step in enumerate(job["steps"]) if predicate(step)]
    assert len(found) == 1, f"expected exactly one step that {what}, found {len(found)}"
    return found[0]


def uses(action: str):
    return lambda step: step.get("uses", "").startswith(f"{action}@")


def runs_command(command: str):
    return lambda step: re.search(rf"(^|\n)\s*{command}\b", step.get("run", "")) is not None


def commits(path: str):
    return lambda step: f"git add --all -- {path}" in step.get("run", "")


def cron_field(field: str, low: int, high: int, names: dict[str, int] | None = None) -> set[int]:
    """The values a simple cron field (`*`, numbers, names, `a-b`, lists, `/step`) matches."""
    values: set[int] = set()
    for item in field.lower().split(","):
        span, _, step = item.partition("/")
        if span == "*":
            first, last = low, high
        else:
            first_s, _, last_s = span.partition("-")
            first = int((names or {}).get(first_s, first_s))
            last = int((names or {}).get(last_s, last_s)) if last_s else first
        values |= set(range(first, last + 1, int(step or 1)))
    return values


# -- every workflow ---------------------------------------------------------------------------


def test_the_workflows_exist() -> None:
    assert {p.name for p in WORKFLOWS} >= {"ci.yml", "weekly.yml"}


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_top_level_permissions_are_read_only(path: Path) -> None:
    assert load(path)["permissions"] == {"contents": "read"}


@pytest.mark.parametrize(("workflow", "name", "job"), JOBS)
def test_jobs_widen_permissions_only_where_needed(workflow: str, name: str, job: dict) -> None:
    assert job.get("permissions") == JOB_PERMISSIONS.get((workflow, name))


@pytest.mark.parametrize(("workflow", "name", "job"), JOBS)
def test_every_job_has_a_timeout(workflow: str, name: str, job: dict) -> None:
    assert isinstance(job.get("timeout-minutes"), int)
    assert 0 < job["timeout-minutes"] <= 60


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_action_is_pinned_to_a_commit_with_its_version(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if re.match(r"\s*(- )?uses:", line)]
    parsed = [s["uses"] for job in load(path)["jobs"].values() for s in job["steps"] if "uses" in s]
    assert len(lines) == len(parsed), "every `uses:` should be on a line of its own"
    unpinned = [line.strip() for line in lines if not PINNED_USES.search(line)]
    assert not unpinned, "pin by 40-hex SHA with a `# vX.Y.Z` comment: " + "; ".join(unpinned)


@pytest.mark.parametrize(("workflow", "name", "job"), JOBS)
def test_no_expression_is_expanded_inside_a_script(workflow: str, name: str, job: dict) -> None:
    # `${{ inputs.* }}` or `${{ github.event.* }}` pasted into a script is code injection;
    # values reach scripts through `env:` instead.
    for script in runs(job):
        assert "${{" not in script, script


@pytest.mark.parametrize(("workflow", "name", "job"), JOBS)
def test_checkouts_keep_no_credentials(workflow: str, name: str, job: dict) -> None:
    for step in filter(uses("actions/checkout"), job["steps"]):
        assert step.get("with", {}).get("persist-credentials") is False


# -- weekly.yml -------------------------------------------------------------------------------


def test_weekly_runs_off_the_hour_after_the_friday_close(weekly: dict) -> None:
    (entry,) = weekly[True]["schedule"]
    minute, hour, _, _, dow = entry["cron"].split()
    assert minute.isdigit()
    assert int(minute) != 0, "schedule off the top of the hour, when GitHub drops runs"
    hours = cron_field(hour, 0, 23)
    for day in cron_field(dow, 0, 7, CRON_DAYS):
        # US close is 21:00 UTC (20:00 in summer): Saturday or Sunday, or Friday late enough.
        assert day in {6, 0, 7} or (day == 5 and min(hours) >= 22), entry["cron"]


def test_weekly_can_be_run_by_hand_with_an_optional_backfill_date(weekly: dict) -> None:
    since = weekly[True]["workflow_dispatch"]["inputs"]["since"]
    assert since["required"] is False
    assert since["type"] == "string"


def test_weekly_deploys_one_at_a_time(weekly: dict) -> None:
    assert weekly["concurrency"] == {"group": "pages", "cancel-in-progress": False}


def test_weekly_silences_the_mkdocs_2_banner(weekly: dict) -> None:
    assert weekly["env"]["NO_MKDOCS_2_WARNING"] == "1"


def test_weekly_steps_run_in_order(weekly: dict) -> None:
    build = weekly["jobs"]["build"]
    order = [
        step_index(build, uses("actions/checkout"), "checks out"),
        step_index(build, uses("actions/setup-python"), "sets up Python"),
        step_index(build, runs_command("python -m pip install"), "installs"),
        step_index(build, runs_command("rotation fetch"), "fetches"),
        step_index(build, commits("data/store"), "commits the store"),
        step_index(build, runs_command("rotation valuation"), "snapshots the valuation"),
        step_index(build, commits('"$file"'), "commits the valuation history"),
        step_index(build, runs_command("rotation backfill"), "writes the posts"),
        step_index(build, runs_command("rotation build"), "builds the site"),
        step_index(build, commits("data/posts/market"), "commits the posts"),
        step_index(build, uses("actions/upload-pages-artifact"), "uploads the site"),
    ]
    assert order == sorted(order)
    setup = build["steps"][order[1]]
    assert str(setup["with"]["python-version"]) == "3.11"
    upload = build["steps"][order[-1]]
    assert upload["with"]["path"] == "site"


def _pins(path: Path) -> dict[str, str]:
    """Package -> version of a lock file (``name==version`` lines)."""
    found = re.findall(r"(?m)^([A-Za-z0-9_.-]+)==([^\s\\]+)", path.read_text())
    return {name.lower().replace("_", "-"): version for name, version in found}


def test_the_weekly_run_installs_the_runtime_lock_with_its_hashes(weekly: dict) -> None:
    """The job that may push installs only what the generator runs on, each package checked
    against its hashes: no test tool (pytest, playwright, hypothesis, ruff), and every version
    the one the tests ran with (requirements.lock)."""
    build = weekly["jobs"]["build"]
    install = build["steps"][step_index(build, runs_command("python -m pip install"), "installs")]
    lines = [line.strip() for line in install["run"].strip().splitlines()]
    assert lines == [
        "python -m pip install --quiet --require-hashes -r requirements-runtime.lock",
        "python -m pip install --quiet --no-deps -e .",
    ]
    runtime, full = _pins(REPO / "requirements-runtime.lock"), _pins(REPO / "requirements.lock")
    assert not {"pytest", "pytest-xdist", "playwright", "hypothesis", "ruff", "zizmor"} & set(
        runtime
    )
    assert {name: full.get(name) for name in runtime} == runtime
    text = (REPO / "requirements-runtime.lock").read_text()
    blocks = re.split(r"(?m)^(?=[A-Za-z0-9_.-]+==)", text)[1:]
    assert len(blocks) == len(runtime)
    assert all("--hash=sha256:" in block for block in blocks)
    assert "--index-url" not in text
    assert "--find-links" not in text
    project = (REPO / "pyproject.toml").read_text()
    direct = re.findall(r'^    "([A-Za-z0-9_.-]+)==', project.split("[project.optional")[0], re.M)
    assert {d.lower().replace("_", "-") for d in direct} <= set(runtime)


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("data/store", "data: prices through $session"),
        ("data/posts/market", "posts: the weeks to $session"),
    ],
)
def test_weekly_commits_name_the_session_they_cover(weekly: dict, path: str, message: str) -> None:
    """A commit says which session its prices or posts reach (from the run report the step
    before wrote), not the day the job ran."""
    build = weekly["jobs"]["build"]
    script = build["steps"][step_index(build, commits(path), f"commits {path}")]["run"]
    assert f'git commit --quiet -m "{message}"' in script
    assert '["expected_session"]' in script
    assert ".build/run-report.json" in script
    assert "date -u" not in script


def test_weekly_carries_the_members_prices_and_chart_exports_between_runs(weekly: dict) -> None:
    """The members' store and the export cache are restored before the fetch from the newest
    earlier run and saved under this run's own key (a key never overwritten)."""
    build = weekly["jobs"]["build"]
    cache = step_index(build, uses("actions/cache"), "restores the cache")
    assert cache < step_index(build, runs_command("rotation fetch"), "fetches")
    settings = build["steps"][cache]["with"]
    assert set(settings["path"].split()) == {"data/members", ".cache/exports"}
    assert settings["key"] == "rotation-cache-${{ github.run_id }}"
    assert settings["restore-keys"].strip() == "rotation-cache-"
    assert "data/members/" in (REPO / ".gitignore").read_text()  # never committed


def test_weekly_fails_closed(weekly: dict) -> None:
    # A failed step ends the job: nothing may continue past it or run regardless of it.
    for job in weekly["jobs"].values():
        for step in job["steps"]:
            assert not step.get("continue-on-error"), step
            assert not re.search(r"always\(\)|failure\(\)|cancelled\(\)", str(step.get("if", "")))


def test_weekly_reads_only_the_store_after_the_fetch(weekly: dict) -> None:
    build = weekly["jobs"]["build"]
    fetch = step_index(build, runs_command("rotation fetch"), "fetches")
    later = [s for s in runs(build)[fetch + 1 :] if re.search(r"\brotation (backfill|build)", s)]
    assert len(later) == 2
    assert all("--offline" in script for script in later)
    assert all("--source" not in script for script in later)
    (build_script,) = [s for s in later if "rotation build" in s]
    assert "--site-url" in build_script
    pages = step_index(build, uses("actions/configure-pages"), "reads the Pages URL")
    assert build["steps"][pages]["id"] == "pages"
    build_step = build["steps"][step_index(build, runs_command("rotation build"), "builds")]
    assert "steps.pages.outputs.base_url" in build_step["env"]["BASE_URL"]


def test_weekly_backfill_date_is_validated_and_passed_through_env(weekly: dict) -> None:
    build = weekly["jobs"]["build"]
    for step in build["steps"]:
        if "SINCE" in step.get("env", {}):
            assert step["env"]["SINCE"] == "${{ inputs.since }}"
    check = next(step for step in build["steps"] if "SINCE" in step.get("env", {}))
    assert "^[0-9]{4}-[0-9]{2}-[0-9]{2}$" in check["run"], "the first user of SINCE validates it"
    backfill = build["steps"][step_index(build, runs_command("rotation backfill"), "backfills")]
    assert '--since "$SINCE"' in backfill["run"]


def test_weekly_commits_the_valuation_files_only_where_they_exist(weekly: dict) -> None:
    """A run where no fund answered yet (or a config without ``valuation:``) has no history
    file: ``git add`` of a missing path would stop the run, so each file is added if present."""
    build = weekly["jobs"]["build"]
    script = build["steps"][step_index(build, commits('"$file"'), "commits the valuation")]["run"]
    assert "for file in data/valuation.csv data/valuation.json; do" in script
    assert 'if [ -e "$file" ]; then git add --all -- "$file"; fi' in script
    assert 'git commit --quiet -m "data: valuation snapshot of $day"' in script


@pytest.mark.parametrize("path", ["data/store", '"$file"', "data/posts/market"])
def test_weekly_commits_back_only_what_changed(weekly: dict, path: str) -> None:
    build = weekly["jobs"]["build"]
    script = build["steps"][step_index(build, commits(path), f"commits {path}")]["run"]
    positions = [
        script.index(f"git add --all -- {path}"),
        script.index("git diff --cached --quiet"),
        script.index("git commit"),
        script.index("pull --rebase"),
        script.index("push origin"),
    ]
    assert positions == sorted(positions)
    assert weekly["env"]["GIT_AUTHOR_NAME"] == "github-actions[bot]"
    assert weekly["env"]["GIT_COMMITTER_NAME"] == "github-actions[bot]"


def test_weekly_deploys_the_artifact_of_the_same_run(weekly: dict) -> None:
    deploy = weekly["jobs"]["deploy"]
    assert deploy["needs"] == "build"
    assert deploy["environment"] == {
        "name": "github-pages",
        "url": "${{ steps.deployment.outputs.page_url }}",
    }
    (step,) = deploy["steps"]
    assert step["uses"].startswith("actions/deploy-pages@")
    assert step["id"] == "deployment"


def test_weekly_runs_on_forks_too(weekly: dict) -> None:
    for job in weekly["jobs"].values():
        assert "github.repository" not in str(job.get("if", ""))


# -- ci.yml and dependabot --------------------------------------------------------------------


def test_ci_tests_and_audits_every_push_and_pull_request() -> None:
    ci = load(GITHUB / "workflows" / "ci.yml")
    assert ci[True]["push"]["branches"] == ["main"]
    assert "pull_request" in ci[True]
    scripts = "\n".join(script for job in ci["jobs"].values() for script in runs(job))
    assert re.search(r"^make test$", scripts, re.MULTILINE)
    # The browser tests' accessibility check needs axe-core (tests/package.json) under CI.
    install = scripts.index("npm ci --prefix tests")
    assert install < scripts.index("make test")
    assert re.search(r"^actionlint\b", scripts, re.MULTILINE)
    assert re.search(r"^zizmor\b.* \.github/$", scripts, re.MULTILINE)


def test_dependabot_updates_the_action_pins_weekly() -> None:
    config = load(GITHUB / "dependabot.yml")
    assert config["version"] == 2
    (actions,) = [u for u in config["updates"] if u["package-ecosystem"] == "github-actions"]
    assert actions["schedule"]["interval"] == "weekly"


# -- the auditors -----------------------------------------------------------------------------


def test_zizmor_finds_nothing() -> None:
    zizmor = Path(sys.executable).parent / "zizmor"
    if not zizmor.exists():
        pytest.skip(f"zizmor not installed next to {sys.executable} (it is in requirements.lock)")
    # --strict-collection: a workflow that fails GitHub's schema is an error, not a warning.
    command = [zizmor, "--offline", "--strict-collection", "--min-severity", "low"]
    result = subprocess.run(
        [*command, "--format", "json", ".github/"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    findings = json.loads(result.stdout or "[]")
    summary = [(f["ident"], f["determinations"]["severity"]) for f in findings]
    assert result.returncode == 0, f"{summary}\n{result.stderr}"
    assert findings == []


def test_actionlint_finds_nothing() -> None:
    actionlint = shutil.which("actionlint")
    if actionlint is None:
        pytest.skip("actionlint not installed (runs in ci.yml on GitHub)")
    result = subprocess.run(
        [actionlint, "-no-color"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
