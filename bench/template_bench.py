"""Templates against the loading budget: a template of 1,000 typed parameters.

    python bench/template_bench.py [--quick] [--runs 7] [--tasks 10000]

The template declares 1,000 parameters (strings with patterns, bounded integers, numbers,
enums, booleans, arrays) and its body is a random DAG of `--tasks` echo tasks (10,000 by
default; 1,000 with --quick) whose inputs, timeouts and names use them. Figures:

- `harmonia validate TEMPLATE.json` as a process, beyond start-up (a 1-task workflow file
  validated right before it, the median of the differences): loading the template and the
  workflow its defaults make, which is what an import costs;
- in this process: loading the template file, and instantiating it with a value for every
  parameter (check all 1,000 values, substitute, load the workflow);
- beside them, `harmonia validate` of a plain workflow of as many tasks, and loading the
  10,000-task JSON workflow of the budget (150 ms beyond start-up, bench/load_bench.py) in
  this process: instantiating must not take longer than that, on the same machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _dags import echo_workflow, random_dag
from load_bench import TARGET_JSON_MS, paired_runs
from load_bench import in_process as median_load

from harmonia.loader import instantiate, load_template_file, load_workflow_file

PARAMETERS = 1_000
BUDGETED = 10_000
"""Tasks of the JSON workflow the loading budget is about (bench/load_bench.py)."""
KINDS: list[tuple[dict[str, Any], Any]] = [
    ({"type": "string", "pattern": "^[a-z0-9-]+$", "max_length": 40, "default": "p"}, "q-1"),
    ({"type": "integer", "minimum": 1, "maximum": 100, "default": 5}, 7),
    ({"type": "number", "minimum": 0, "default": 1.5}, 2.5),
    ({"type": "string", "enum": ["fast", "safe", "slow"], "default": "safe"}, "fast"),
    ({"type": "boolean", "default": False}, True),
    ({"type": "array", "max_length": 3, "default": []}, ["a", "b"]),
]


def template_document(tasks: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """The template, and a value for every parameter (each unlike its default)."""
    parameters: dict[str, Any] = {}
    values: dict[str, Any] = {}
    for i in range(PARAMETERS):
        spec, value = KINDS[i % len(KINDS)]
        parameters[f"p{i}"] = spec
        values[f"p{i}"] = value
    body = echo_workflow("templated-${param.p0}", random_dag(tasks))
    for n, task in enumerate(body["tasks"].values()):
        name = f"p{n % PARAMETERS}"
        task["input"] = {"i": "${param." + name + "}", "text": "v=${param." + name + "}"}
        if n % PARAMETERS == 1:
            task["timeout"] = "${param.p1}"
    document = {
        "kind": "template",
        "name": "bench",
        "parameters": parameters,
        "workflow": body,
    }
    return document, values


def in_process(path: Path, values: dict[str, Any], runs: int) -> tuple[float, float]:
    """Median seconds to load the template file, and to instantiate it with `values`."""
    template = load_template_file(path)  # warm-up: imports, the registry
    loads, made = [], []
    for _ in range(runs):
        started = time.perf_counter()
        template = load_template_file(path)
        loads.append(time.perf_counter() - started)
        started = time.perf_counter()
        instance = instantiate(template, values)
        made.append(time.perf_counter() - started)
        assert instance.parameters == values
    return statistics.median(loads), statistics.median(made)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 tasks, 3 runs: a check")
    parser.add_argument("--runs", type=int, default=7, help="processes per figure (median)")
    parser.add_argument("--tasks", type=int, default=10_000, help="tasks of the body")
    args = parser.parse_args()
    runs, tasks = (3, 1_000) if args.quick else (args.runs, args.tasks)
    harmonia = [str(Path(sys.executable).parent / "harmonia")]
    env = dict(os.environ)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        document, values = template_document(tasks)
        template_path = folder / "template.json"
        template_path.write_bytes(orjson.dumps(document))
        plain = folder / "plain.json"
        plain.write_bytes(orjson.dumps(echo_workflow("plain", random_dag(tasks))))
        one = folder / "one.json"
        one.write_bytes(orjson.dumps(echo_workflow("one", random_dag(1))))
        load_workflow_file(plain)  # fail early on a broken tree

        print(f"{PARAMETERS:,} parameters, {tasks:,} tasks, median of {runs} runs")
        startup = [*harmonia, "validate", str(one)]
        figures: dict[str, float] = {}
        for label, path in (("template", template_path), ("plain workflow", plain)):
            wall, beyond, cpu = paired_runs([*harmonia, "validate", str(path)], startup, env, runs)
            figures[label] = beyond * 1e3
            print(
                f"  validate {label:<15} wall {wall * 1e3:7.1f} ms   beyond start-up "
                f"{beyond * 1e3:7.1f} ms   cpu beyond {cpu * 1e3:7.1f} ms"
            )
        budgeted = folder / "budgeted.json"
        budgeted.write_bytes(orjson.dumps(echo_workflow("budgeted", random_dag(BUDGETED))))
        reference = median_load(budgeted, runs)
        load, made = in_process(template_path, values, runs)
        print(f"  in process: load the template {load * 1e3:7.1f} ms")
        print(f"  in process: instantiate with {PARAMETERS:,} values {made * 1e3:7.1f} ms")
        print(f"  in process: load the budgeted {BUDGETED:,}-task JSON {reference * 1e3:7.1f} ms")
        verdict = "met" if made <= reference else "NOT met"
        print(
            f"target: instantiating takes no longer than loading the {BUDGETED:,}-task JSON "
            f"workflow the budget is about ({TARGET_JSON_MS:.0f} ms beyond start-up on a quiet "
            f"machine), on this machine: {made * 1e3:.1f} ms vs {reference * 1e3:.1f} ms, "
            f"{verdict}" + ("  (quick mode: a 1,000-task body)" if args.quick else "")
        )


if __name__ == "__main__":
    main()
