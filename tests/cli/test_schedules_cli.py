"""`harmonia schedules` against a real daemon: create, list, show, pause, unpause, run-now,
delete; bad specs exit 2 before (or because of) the daemon, with nothing stored; `harmonia
show` of a scheduled run names its schedule."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from helpers.cli_process import Cli, cli_env, cli_subprocess
from helpers.cli_steps import data_file, stored_echo
from helpers.daemon_testing import Harmoniad
from helpers.timezones import local_zone


@pytest.fixture(scope="module")
def workflow_id(daemon: Harmoniad) -> str:
    return stored_echo(daemon, "cli-scheduled")


def test_create_list_show_pause_unpause_delete(cli: Cli, workflow_id: str) -> None:
    made = cli(
        "schedules", "create", workflow_id, "--cron", "30 6 * * *", "--timezone",
        "America/New_York", "--input", "who=ops", "--missed", "run_once", "--overlap", "queue",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    sid = made.stdout.strip()
    assert sid.startswith("sch-") and "cron 30 6 * * * (America/New_York)" in made.stderr

    listed = cli("schedules")
    assert listed.returncode == 0 and sid in listed.stdout and "run_once/queue" in listed.stdout
    as_json = json.loads(cli("schedules", "list", "--json").stdout)
    mine = next(s for s in as_json if s["id"] == sid)
    assert mine["input"] == {"who": "ops"} and mine["next_planned_at"]

    shown = cli("schedules", "show", sid)
    assert "America/New_York" in shown.stdout and "queue" in shown.stdout
    # JSON, as `harmonia show` prints an execution's input (it was Python's {'who': 'ops'})
    assert 'input     {"who":"ops"}' in shown.stdout

    paused = cli("schedules", "pause", sid)
    # it said "paused; next planned time paused"
    assert paused.returncode == 0 and paused.stderr == f"harmonia: schedule {sid} paused\n"
    assert "paused" in cli("schedules").stdout
    assert cli("schedules", "unpause", sid).returncode == 0
    assert json.loads(cli("schedules", "show", sid, "--json").stdout)["paused"] is False

    assert cli("schedules", "delete", sid).returncode == 0
    gone = cli("schedules", "show", sid)
    assert gone.returncode == 2 and "no schedule" in gone.stderr


def test_run_now_and_show_names_the_schedule(cli: Cli, daemon: Harmoniad, workflow_id: str) -> None:
    sid = cli("schedules", "create", workflow_id, "--interval", "86400").stdout.strip()
    ran = cli("schedules", "run-now", sid)
    assert ran.returncode == 0, ran.stderr
    execution_id = ran.stdout.strip()
    daemon.wait_finished(execution_id)
    shown = cli("show", execution_id, "--url", daemon.url)
    assert shown.returncode == 0, shown.stderr
    assert f"scheduled  {sid} (run-now at" in shown.stdout
    cli("schedules", "delete", sid)


def test_planned_times_carry_their_utc_offset(cli: Cli, workflow_id: str) -> None:
    """`schedules` showed next times in the viewer's zone with no zone at all, beside a cron
    read in its own (`0 9 * * * (Europe/Paris)`, next `2026-12-05 13:30:00`: which 13:30?)."""
    made = cli(
        "schedules", "create", workflow_id, "--cron", "0 9 * * *", "--timezone", "Europe/Paris"
    )
    sid = made.stdout.strip()
    with local_zone("Asia/Kolkata"):  # +05:30 all year: no daylight saving to guess
        listed = cli("schedules")
        shown = cli("schedules", "show", sid)
    planned = json.loads(cli("schedules", "show", sid, "--json").stdout)["next_planned_at"]
    moment = datetime.fromisoformat(planned).astimezone(timezone(timedelta(hours=5, minutes=30)))
    expected = moment.strftime("%Y-%m-%d %H:%M:%S +05:30")
    assert moment.strftime("%H:%M") in ("13:30", "12:30")  # 09:00 in Paris, summer or winter
    row = next(line for line in listed.stdout.splitlines() if line.startswith(sid))
    assert expected in row, row
    assert f"next      {expected}" in shown.stdout, shown.stdout
    assert re.search(r", next \d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d\n$", made.stderr)
    cli("schedules", "delete", sid)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--cron", "99 * * * *"], "--cron: bad cron expression"),
        (["--cron", "0 * * * *", "--timezone", "Atlantis/Capital"], "unknown time zone"),
        # it said "... > 0 (at most ten years), not 0.0": argparse's float, not what was typed
        (
            ["--interval", "0"],
            "--interval: must be a number of seconds > 0 (at most ten years), not 0\n",
        ),
        (["--interval", "-1.5"], "not -1.5\n"),
        (["--grace", "-1", "--interval", "5"], "--grace: must be a number of seconds >= 0"),
        (["--interval", "often"], "--interval: expected a number of seconds, got 'often'"),
        (["--interval", "10", "--input", "stranger=1"], "stranger"),  # the daemon says so
        ([], "give exactly one of --cron EXPR and --interval SECONDS"),  # not 'cron'
        (["--cron", "* * * * *", "--interval", "5"], "exactly one of --cron EXPR and"),
    ],
)
def test_bad_create_exits_2_and_stores_nothing(
    cli: Cli, daemon: Harmoniad, workflow_id: str, args: list[str], words: str
) -> None:
    before = data_file(daemon, "schedules.json")
    done = cli("schedules", "create", workflow_id, *args)
    assert done.returncode == 2 and words in done.stderr, done.stderr
    assert data_file(daemon, "schedules.json") == before


def test_unknown_id_and_misuse_exit_2(cli: Cli) -> None:
    for action in ("show", "pause", "unpause", "run-now", "delete"):
        done = cli("schedules", action, "sch-000000000000")
        assert done.returncode == 2 and "no schedule 'sch-000000000000'" in done.stderr
    assert "which schedule" in cli("schedules", "pause").stderr
    misuse = cli("schedules", "pause", "sch-000000000000", "--cron", "* * * * *")
    assert misuse.returncode == 2 and "--cron is for create" in misuse.stderr


def test_as_a_real_process(daemon: Harmoniad, tmp_path: Path) -> None:
    done = cli_subprocess(cli_env(daemon.data_dir), tmp_path, 60)("schedules", "--json")
    assert done.returncode == 0, done.stderr
    assert isinstance(json.loads(done.stdout), list)


def test_a_deleted_workflow_s_schedule_shows_as_disabled(cli: Cli, daemon: Harmoniad) -> None:
    doomed = stored_echo(daemon, "cli-doomed")
    sid = cli("schedules", "create", doomed, "--interval", "86400").stdout.strip()
    deleted = cli("workflows", "delete", doomed)  # it said "deleted workflow ID", no more
    assert deleted.returncode == 0
    assert deleted.stderr == (
        f"harmonia: deleted workflow {doomed}; disabled 1 schedule made for it: {sid} "
        "(harmonia schedules delete ID)\n"
    )
    listed = cli("schedules")
    row = next(line for line in listed.stdout.splitlines() if line.startswith(sid))
    assert f"disabled: its workflow {doomed} was deleted" in row
    refused = cli("schedules", "unpause", sid)
    assert refused.returncode == 2 and "is disabled" in refused.stderr
    before = data_file(daemon, "schedules.json")
    ran = cli("schedules", "run-now", sid)  # it said "could not start its run: no workflow"
    assert ran.returncode == 2, ran.stderr
    assert f"is disabled: its workflow {doomed} was deleted (delete it)" in ran.stderr
    assert data_file(daemon, "schedules.json") == before  # and recorded a failed run
    assert cli("schedules", "delete", sid).returncode == 0
