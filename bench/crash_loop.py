"""The long version of tests/crash/test_sigkill.py: many SIGKILLs of `harmonia run` / `resume`.

    python bench/crash_loop.py [--kills 100] [--seed 1] [--width 8] [--layers 6]

Drives the real CLI against one data folder: each step launches `harmonia run` (a new
execution) or `harmonia resume` (the unfinished one) and kills it with SIGKILL when a condition
holds - the execution's folder or first snapshot or catalog row appeared (during the initial
write), or its journal reached a random number of lines (anywhere, or near the end). After every
kill the data folder must load (`harmonia show --json` agrees with the journal). Unfinished
executions are resumed to the end every few kills; at the end every execution must have the
outputs of an uncrashed run, and no task whose completion was journaled before a kill may have
run again (side file vs journals). Prints a summary; exits 1 if any violation was found.
"""

from __future__ import annotations

import argparse
import collections
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from helpers.crash_campaign import Campaign, Kill, Trigger, crash_workflow, journal_line_count

STYLES = ["early", "random", "random", "step", "late"]
FINISH_EVERY = 4  # unfinished executions resumed to the end together


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kills", type=int, default=100, help="kills that must land")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--width", type=int, default=8)
    parser.add_argument("--layers", type=int, default=6)
    args = parser.parse_args()

    workflow = crash_workflow(width=args.width, layers=args.layers, seed=args.seed)
    rng = random.Random(args.seed)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="harmonia-crash-loop-") as tmp:
        root = Path(tmp)
        base = Campaign(root / "baseline", workflow)
        kill = base.step(Trigger("lines", 10**9))
        assert kill.noop and kill.execution_id is not None
        doc = base.final[kill.execution_id]
        expected = {tid: task["output"] for tid, task in doc["tasks"].items()}
        lines = journal_line_count(base.journal(kill.execution_id))

        campaign = Campaign(root / "loop", workflow)
        landed = 0
        styles: collections.Counter[str] = collections.Counter()
        steps = 0
        while landed < args.kills and steps < 4 * args.kills:
            steps += 1
            style = rng.choice(STYLES)
            if style == "early":
                campaign.park()
            trigger = campaign.choose(rng, style, lines)
            kill = campaign.step(trigger)
            if not kill.noop:
                landed += 1
                styles[style if style != "early" else f"early ({trigger.kind})"] += 1
                if landed % 10 == 0:
                    print(f"  {landed} kills, {time.perf_counter() - started:.0f} s", flush=True)
            if len(campaign.parked) >= FINISH_EVERY:
                campaign.finish()
        campaign.finish()
        violations = campaign.verify(expected)

        kills = campaign.kills
        real = [k for k in kills if not k.noop]
        by_command = collections.Counter(k.command for k in real)
        processes = collections.Counter(k.command for k in kills)
        final_lines = {e: journal_line_count(campaign.journal(e)) for e in campaign.executions}

        def moment(kill: Kill) -> str:
            """Where the kill landed in its execution's final journal."""
            if kill.execution_id not in final_lines or kill.lines_at_kill <= 2:
                return "initial write (<= 2 lines)"
            total = final_lines[kill.execution_id]
            if kill.lines_at_kill >= total - 8:
                return "last 8 lines"
            return "first half" if kill.lines_at_kill < total / 2 else "second half"

        buckets = collections.Counter(moment(k) for k in real)
        print(
            f"workflow:            {len(workflow['tasks'])} tasks, {lines} journal lines uncrashed"
        )
        print(f"kills:               {len(real)} landed, {len(kills) - len(real)} no-op")
        print(f"  killed processes:  {dict(by_command)}")
        print(f"  kill moments:      {dict(buckets)}")
        print(f"  kill styles:       {dict(styles)}")
        print(
            f"runs:                {campaign.phase} processes: {processes['run']} run and "
            f"{processes['resume']} resume killed or let finish, "
            f"{campaign.phase - len(kills)} resume to the end"
        )
        print(f"executions:          {len(campaign.executions)} recorded, all resumed to the end")
        print(
            f"  never recorded:    {len(campaign.never_recorded)} (killed before the catalog row)"
        )
        print(f"  stale catalog:     {len(campaign.stale_catalog)} (completed, listed interrupted)")
        print(f"violations:          {len(violations)}")
        for problem in violations[:20]:
            print(f"  {problem}")
        print(f"time:                {time.perf_counter() - started:.0f} s")
        return 1 if violations or landed < args.kills else 0


if __name__ == "__main__":
    sys.exit(main())
