"""Kill `harmonia run` / `harmonia resume` with SIGKILL at chosen moments, then check the files.

The crash workflow (`crash_workflow`) has ~50 quick tasks in parallel branches. Its shell and
python tasks append `<task_id> <phase>` to a side file each time they run, where the phase is
the number of the `harmonia run`/`harmonia resume` process that ran them (given as
`CRASH_PHASE` in that process's environment and read by `${env.CRASH_PHASE}`; python tasks
call `crashy:record`). Comparing those lines with the journals read after each kill proves
that no task whose completion was recorded ran again.

A `Campaign` drives the real CLI in subprocesses against one data folder. Each `step` launches
one process - `harmonia run` when no execution is in progress, else `harmonia resume ID` -
waits for a *condition* (an execution folder appeared, its journal reached K lines), and kills
the process with SIGKILL. It never sleeps for a guessed time: a kill lands where the condition
says, however fast or slow the machine is. A process that finishes before its condition holds
counts as a no-op kill.

After every kill it checks that the data folder still loads: `harmonia show ID --json` (called in
this process) works and agrees with the journal, state.json and catalog.json are valid JSON, and
only the journal's last line may be torn. `finish` resumes whatever is unfinished; `verify`
compares the outputs with an uncrashed run and the side file with the journals.

Shared by tests/crash/test_sigkill.py and bench/crash_loop.py.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from helpers.catalog_files import catalog_bytes, catalog_data
from helpers.waiting import wait_until

HELPERS = Path(__file__).resolve().parent

FINISHED = ("completed", "failed", "canceled")


# ---- the workflow ------------------------------------------------------------------------


def crash_workflow(
    *, width: int = 8, layers: int = 6, seed: int = 1, max_concurrency: int = 6
) -> dict[str, Any]:
    """`layers` x `width` tasks plus a final `join`; each task depends on two of the layer above.

    Tasks cycle through three kinds: `shell.run` (records its run, prints a checksum of its
    upstream outputs), `python.call` of `record`, and `core.sleep` (0.01 - 0.05 s, no side
    effect). The side file is `${input.side_dir}/${execution.id}.log`.
    """
    rng = random.Random(seed)
    side = "${input.side_dir}/${execution.id}.log"
    tasks: dict[str, Any] = {}
    previous: list[str] = []
    for layer in range(layers):
        current = []
        for col in range(width):
            tid = f"l{layer}c{col}"
            deps = sorted(rng.sample(previous, 2)) if previous else []
            kind = (layer + col) % 3
            upstream = [f"${{tasks.{d}.output}}" for d in deps]
            if kind == 0:
                joined = "".join(upstream) or tid
                command = (
                    f'echo "{tid} ${{env.CRASH_PHASE}}" >> "{side}"; '
                    f"sleep 0.0{rng.randint(1, 4)}; "
                    f"printf '%s' '{tid}:{joined}' | cksum"
                )
                task: dict[str, Any] = {
                    "component": "shell",
                    "action": "run",
                    "input": {"command": command},
                }
            elif kind == 1:
                task = {
                    "component": "python",
                    "action": "call",
                    "input": {
                        "function": "crashy:record",
                        "args": [
                            tid,
                            side,
                            "${env.CRASH_PHASE}",
                            upstream,
                            rng.randint(1, 4) / 100,
                        ],
                    },
                }
            else:
                task = {
                    "component": "core",
                    "action": "sleep",
                    "input": {"seconds": rng.randint(1, 5) / 100},
                }
            if deps:
                task["depends_on"] = deps
            tasks[tid] = task
            current.append(tid)
        previous = current
    tasks["join"] = {
        "component": "python",
        "action": "call",
        "depends_on": previous,
        "input": {
            "function": "crashy:record",
            "args": [
                "join",
                side,
                "${env.CRASH_PHASE}",
                [f"${{tasks.{d}.output}}" for d in previous],
                0,
            ],
        },
    }
    return {
        "name": "crash-target",
        "version": "1.0.0",
        "description": "Many quick tasks with side effects, killed and resumed by the tests.",
        "input": {"side_dir": {"type": "string"}},
        "max_concurrency": max_concurrency,
        "defaults": {"timeout": 30},
        "tasks": tasks,
    }


def side_effect_tasks(workflow: dict[str, Any]) -> set[str]:
    """The tasks that append to the side file (every shell and python task); for a task with
    a literal `for_each` list, its items `ID[i]` instead."""
    effects: set[str] = set()
    for tid, task in workflow["tasks"].items():
        if task["component"] not in ("shell", "python"):
            continue
        items = task.get("for_each")
        if isinstance(items, list):
            effects.update(f"{tid}[{i}]" for i in range(len(items)))
        else:
            effects.add(tid)
    return effects


# ---- reading the data folder -------------------------------------------------------------


class TornJournal(AssertionError):
    """A journal line other than the last one does not parse."""


def read_journal(path: Path) -> list[dict[str, Any]]:
    """Every complete event of a journal; only a last line may be torn (no newline or bad
    JSON), anything else is an error."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return []
    lines = data.split(b"\n")
    tail = lines.pop()  # b"" when the file ends with a newline, else a torn last line
    events = []
    for index, line in enumerate(lines):
        try:
            events.append(json.loads(line))
        except ValueError:
            if index == len(lines) - 1 and not tail:
                break  # the last line is complete but its content is torn
            raise TornJournal(f"{path}: line {index + 1} of {len(lines)} does not parse") from None
    seqs = [e["seq"] for e in events]
    if seqs != list(range(1, len(seqs) + 1)):
        raise AssertionError(f"{path}: seq numbers are not 1..n without gaps")
    return events


def journal_line_count(path: Path) -> int:
    """Newline count: cheap enough to poll every few milliseconds."""
    try:
        with open(path, "rb") as handle:
            return handle.read().count(b"\n")
    except FileNotFoundError:
        return 0


def completed_tasks(events: Iterable[dict[str, Any]]) -> set[str]:
    return {e["task_id"] for e in events if e["type"] == "task_completed"}


def side_lines(path: Path) -> list[tuple[str, int]]:
    """(task id, phase) for every run recorded in a side file (complete lines only)."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        return []
    out = []
    for line in text.splitlines():
        tid, phase = line.split()
        out.append((tid, int(phase)))
    return out


def rerun_violations(
    completed_by_phase: list[tuple[int, set[str]]], runs: list[tuple[str, int]]
) -> list[str]:
    """Runs of a task in a phase after one whose journal (read after its process was killed)
    already recorded the task's completion."""
    first_done: dict[str, int] = {}
    for phase, done in sorted(completed_by_phase, key=lambda item: item[0]):
        for tid in done:
            first_done.setdefault(tid, phase)
    return [
        f"task {tid} ran in phase {phase}, its completion was recorded in phase {first_done[tid]}"
        for tid, phase in runs
        if tid in first_done and phase > first_done[tid]
    ]


def journal_violations(events: list[dict[str, Any]]) -> list[str]:
    """In one execution's whole journal: a task completed twice, or started after completing."""
    problems = []
    done: set[str] = set()
    for event in events:
        tid = event.get("task_id")
        if event["type"] == "task_started" and tid in done:
            problems.append(f"task {tid} started again at seq {event['seq']} after completing")
        elif event["type"] == "task_completed":
            if tid in done:
                problems.append(f"task {tid} completed twice (seq {event['seq']})")
            done.add(tid)
    return problems


def harmonia_command() -> list[str]:
    """The `harmonia` console script of the running interpreter's environment."""
    script = Path(sys.executable).parent / "harmonia"
    if script.exists():
        return [str(script)]
    return ["harmonia"]


@dataclass
class Trigger:
    """When to kill. For a run only: `dir` = as soon as the new execution's folder exists,
    `state` = as soon as its first snapshot (state.json) exists, `catalog` = as soon as its
    row is in catalog.json. `lines` = once the execution's journal has at least `lines`
    complete lines."""

    kind: str
    lines: int = 0

    def __str__(self) -> str:
        return self.kind if self.kind != "lines" else f"lines>={self.lines}"


@dataclass
class Kill:
    phase: int
    command: str
    trigger: str
    execution_id: str | None
    lines_at_kill: int
    noop: bool
    status_after: str | None


@dataclass
class Campaign:
    root: Path
    workflow: dict[str, Any]
    harmonia: list[str] = field(default_factory=harmonia_command)
    deadline: float = 30.0
    phase: int = 0
    current: str | None = None
    parked: list[str] = field(default_factory=list)
    scale: float = 1.0
    kills: list[Kill] = field(default_factory=list)
    executions: list[str] = field(default_factory=list)
    never_recorded: list[str] = field(default_factory=list)
    completed_by_phase: dict[str, list[tuple[int, set[str]]]] = field(default_factory=dict)
    final: dict[str, dict[str, Any]] = field(default_factory=dict)
    stale_catalog: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.data_dir = self.root / "data"
        self.side_dir = self.root / "side"
        self.side_dir.mkdir(parents=True, exist_ok=True)
        self.workflow_file = self.root / "crash_workflow.json"
        self.workflow_file.write_text(json.dumps(self.workflow, indent=1))

    # ---- processes ---------------------------------------------------------------------
    def env(self, phase: int) -> dict[str, str]:
        env = dict(os.environ)
        env["CRASH_PHASE"] = str(phase)
        # The campaign kills on purpose, often just after a resume starts, when the same task
        # (the first one on probation) runs each time: three such kills in a row are a crash
        # loop by the rule (tested in tests/crash/test_loop.py). A high limit keeps the rule's
        # probation in play without letting it end the campaign's executions.
        env["HARMONIA_CRASH_LOOP_LIMIT"] = "1000"
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(HELPERS), env.get("PYTHONPATH", "")) if p
        )
        return env

    def _launch(self) -> tuple[subprocess.Popen[bytes], str]:
        """Start the next phase's process: `run` a new execution or `resume` the current one."""
        self.phase += 1
        if self.current is None:
            args = [
                "run",
                str(self.workflow_file),
                "--input",
                f"side_dir={self.side_dir}",
                "--json",
            ]
        else:
            args = ["resume", self.current, "--json"]
        # files, not pipes: nobody reads a pipe while the process runs, and a full one would
        # block it (progress lines go to stderr)
        logs = self.root / "logs"
        logs.mkdir(exist_ok=True)
        with (
            open(logs / f"{self.phase}.out", "wb") as out,
            open(logs / f"{self.phase}.err", "wb") as err,
        ):
            proc = subprocess.Popen(
                [*self.harmonia, *args, *self._data_args()],
                stdout=out,
                stderr=err,
                env=self.env(self.phase),
            )
        return proc, args[0]

    def _execution_dirs(self) -> set[str]:
        try:
            return {p.name for p in (self.data_dir / "executions").iterdir()}
        except FileNotFoundError:
            return set()

    def _data_args(self) -> list[str]:
        return ["--data-dir", str(self.data_dir)]

    def _in_catalog(self, execution_id: str) -> bool:
        return execution_id.encode() in catalog_bytes(self.data_dir)

    def journal(self, execution_id: str) -> Path:
        return self.data_dir / "executions" / execution_id / "journal.jsonl"

    def lines(self) -> int:
        return 0 if self.current is None else journal_line_count(self.journal(self.current))

    def park(self) -> None:
        """Leave the unfinished execution for `finish`: the next step starts a new one."""
        if self.current is not None:
            self.parked.append(self.current)
            self.current = None

    def step(self, trigger: Trigger) -> Kill:
        """Launch the next process, kill it when `trigger` holds, check the files."""
        before = self._execution_dirs()
        proc, command = self._launch()
        execution_id = self.current
        fired = False

        def ended_or_fired() -> bool:
            nonlocal execution_id, fired
            if proc.poll() is not None:
                return True
            if execution_id is None:
                new = self._execution_dirs() - before
                if new:
                    (execution_id,) = new
            if execution_id is not None:
                if trigger.kind == "dir":
                    fired = True
                elif trigger.kind == "state":
                    fired = (self.data_dir / "executions" / execution_id / "state.json").exists()
                elif trigger.kind == "catalog":
                    fired = self._in_catalog(execution_id)
                elif journal_line_count(self.journal(execution_id)) >= trigger.lines:
                    fired = True
            return fired

        try:
            what = f"phase {self.phase}: {trigger}"
            wait_until(ended_or_fired, self.deadline, what, interval=0.001)
        except AssertionError:
            proc.kill()
            proc.wait()
            raise
        if fired:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=self.deadline)
        out = (self.root / "logs" / f"{self.phase}.out").read_bytes()
        err = (self.root / "logs" / f"{self.phase}.err").read_bytes()
        killed = proc.returncode == -signal.SIGKILL
        if execution_id is None:
            new = self._execution_dirs() - before
            if new:
                (execution_id,) = new
        lines_at_kill = (
            0 if execution_id is None else journal_line_count(self.journal(execution_id))
        )
        status = None
        if not killed:
            # finished before the condition held: a no-op kill
            doc = json.loads(out)
            assert proc.returncode == 0, (proc.returncode, err.decode()[-2000:])
            assert doc["status"] == "completed", doc["status"]
            execution_id = doc["id"]
            status = doc["status"]
            self._note_recorded(execution_id)
            self._record_completed(execution_id)
            self.final[execution_id] = doc
            self.current = None
            self.scale *= 0.7  # aim earlier next time
        elif execution_id is not None:
            status = self._check_after_kill(execution_id)
        kill = Kill(
            self.phase,
            command,
            str(trigger),
            execution_id,
            lines_at_kill,
            not killed,
            status,
        )
        self.kills.append(kill)
        return kill

    # ---- checks after a kill -----------------------------------------------------------
    def _note_recorded(self, execution_id: str) -> None:
        if execution_id not in self.executions:
            self.executions.append(execution_id)

    def _record_completed(self, execution_id: str) -> set[str]:
        events = read_journal(self.journal(execution_id))
        done = completed_tasks(events)
        self.completed_by_phase.setdefault(execution_id, []).append((self.phase, done))
        return done

    def _check_after_kill(self, execution_id: str) -> str | None:
        """The data folder must load after any kill; returns the execution's status, or None
        when the process died before the execution was recorded at all."""
        catalog = self.data_dir / "catalog.json"
        if catalog.exists():
            json.loads(catalog.read_bytes())  # never a half-written catalog
            catalog_data(self.data_dir)  # nor a damaged journal line (a torn last one is cut)
        showing = self._read_only_cli("show", execution_id, "--json")
        if self.current is not None:
            # a resume was killed: the execution is known
            return self._check_shown(execution_id, showing, None)
        # a run was killed: was its execution recorded at all?
        listing = self._read_only_cli("executions", "--json")
        listed = {row["id"]: row for row in json.loads(self._collect(listing, "executions"))}
        if execution_id not in listed:
            # killed before the execution was recorded: nothing may have run
            assert not read_journal(self.journal(execution_id)), (
                f"{execution_id}: events journaled for an execution missing from the catalog"
            )
            assert showing.returncode != 0 and "Traceback" not in showing.stderr, (
                showing.stdout,
                showing.stderr,
            )
            self.never_recorded.append(execution_id)
            return None
        return self._check_shown(execution_id, showing, listed[execution_id])

    def _check_shown(
        self,
        execution_id: str,
        showing: subprocess.CompletedProcess[str],
        row: dict[str, Any] | None,
    ) -> str:
        state_file = self.data_dir / "executions" / execution_id / "state.json"
        json.loads(state_file.read_bytes())
        done = self._record_completed(execution_id)
        doc = json.loads(self._collect(showing, "show"))
        assert doc["id"] == execution_id
        assert {t for t, s in doc["tasks"].items() if "parent" not in s} == set(
            self.workflow["tasks"]
        )  # and the items of for_each tasks, each naming its task
        shown_done = {t for t, s in doc["tasks"].items() if s["status"] == "completed"}
        assert shown_done == done, (
            f"show and journal disagree: {sorted(shown_done ^ done)} (phase {self.phase})"
        )
        self._note_recorded(execution_id)
        if doc["status"] in FINISHED:
            assert doc["status"] == "completed", doc["status"]
            if row is not None and (row["status"] != doc["status"] or row["interrupted"]):
                # killed after the final event, before the catalog row was rewritten
                self.stale_catalog.append(
                    f"{execution_id}: executions --json says status={row['status']} "
                    f"interrupted={row['interrupted']}, show says {doc['status']}"
                )
            self.final[execution_id] = doc
            self.current = None
        else:
            if row is not None:
                assert row["status"] not in FINISHED and row["interrupted"], row
            self.current = execution_id
        return str(doc["status"])

    def _read_only_cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        """`harmonia ARGS` (show, executions) called in this process: what a check after a kill
        proves is that the data folder loads, not that a read-only command starts (each process
        start costs ~0.3 s of CPU; the killed `run`/`resume` stay real processes)."""
        from helpers.cli_process import harmonia_here

        return harmonia_here(*args, *self._data_args(), cwd=Path.cwd(), env=self.env(self.phase))

    def _collect(self, done: subprocess.CompletedProcess[str], what: str) -> str:
        if done.returncode != 0:
            raise AssertionError(
                f"harmonia {what} exited {done.returncode} after a kill in phase {self.phase}: "
                + done.stderr.strip()[-2000:]
            )
        return done.stdout

    # ---- the end -----------------------------------------------------------------------
    def finish(self) -> None:
        """Resume every unfinished execution to its end, without killing anything. They run
        side by side, as separate processes sharing the data folder."""
        self.park()
        running = []
        for execution_id in self.parked:
            self.phase += 1
            proc = subprocess.Popen(
                [*self.harmonia, "resume", execution_id, "--json", "--quiet", *self._data_args()],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=self.env(self.phase),
            )
            running.append((execution_id, self.phase, proc))
        self.parked = []
        for execution_id, phase, proc in running:
            out, err = proc.communicate(timeout=self.deadline)
            assert proc.returncode == 0, (execution_id, proc.returncode, err.decode()[-2000:])
            doc = json.loads(out)
            assert doc["status"] == "completed", doc["status"]
            done = completed_tasks(read_journal(self.journal(execution_id)))
            self.completed_by_phase.setdefault(execution_id, []).append((phase, done))
            self.final[execution_id] = doc

    def verify(self, expected_outputs: dict[str, Any]) -> list[str]:
        """Every problem found across the campaign's executions (empty = all good)."""
        problems: list[str] = []
        effects = side_effect_tasks(self.workflow)
        for execution_id in self.executions:
            doc = self.final.get(execution_id)
            if doc is None:
                problems.append(f"{execution_id}: never finished")
                continue
            if doc["status"] != "completed":
                problems.append(f"{execution_id}: ended {doc['status']}")
            outputs = {t: s["output"] for t, s in doc["tasks"].items()}
            wrong = sorted(t for t in expected_outputs if outputs.get(t) != expected_outputs[t])
            if wrong:
                problems.append(f"{execution_id}: outputs differ from an uncrashed run: {wrong}")
            events = read_journal(self.journal(execution_id))
            problems += [f"{execution_id}: {p}" for p in journal_violations(events)]
            missing = set(self.workflow["tasks"]) - completed_tasks(events)
            if missing:
                problems.append(f"{execution_id}: never completed: {sorted(missing)}")
            runs = side_lines(self.side_dir / f"{execution_id}.log")
            ran = {tid for tid, _ in runs}
            if effects - ran:
                problems.append(f"{execution_id}: no side effect from {sorted(effects - ran)}")
            problems += [
                f"{execution_id}: {p}"
                for p in rerun_violations(self.completed_by_phase[execution_id], runs)
            ]
        return problems

    # ---- choosing kill moments ---------------------------------------------------------
    def remaining_lines(self, expected_lines: int) -> int:
        """About how many journal lines the next process will write if not killed: a new run
        writes `expected_lines`; a resume writes its `workflow_resumed`, a start and an end
        for every task not completed yet, and the final event."""
        if self.current is None:
            return expected_lines
        done = completed_tasks(read_journal(self.journal(self.current)))
        return 2 * (len(self.workflow["tasks"]) - len(done)) + 2

    def choose(self, rng: random.Random, style: str, expected_lines: int) -> Trigger:
        """A kill condition for the next step, given the journal length of an uncrashed run:

        - `early`: during the initial write of a new execution (only when none is unfinished);
        - `late`: a few lines before the end;
        - `step`: a few lines after the current journal's end (a resume dies soon after it
          starts, so one execution is killed again and again);
        - `random`: anywhere in the rest of the execution.
        """
        now = self.lines()
        if style == "early" and self.current is None:
            # in turn: the folder just appeared, the first snapshot just appeared (the catalog
            # row is being written), the catalog row just appeared (the first event is being
            # journaled), the first journal lines
            turn = len(self.kills) % 4
            if turn < 3:
                return Trigger(("dir", "state", "catalog")[turn])
            return Trigger("lines", rng.randint(1, 2))
        rest = max(1, self.remaining_lines(expected_lines))
        if style == "late":
            return Trigger("lines", now + max(1, rest - rng.randint(1, 7)))
        if style == "step" and self.current is not None:
            return Trigger("lines", now + rng.randint(1, 12))
        # after a no-op kill (the process finished first), aim earlier
        return Trigger("lines", now + rng.randint(1, max(1, int(rest * self.scale))))
