"""How long a `harmonia` command that talks to a daemon takes, as a whole process.

    python bench/cli_start.py [--repeat 7] [--rounds 2] [--against REF] [--callgrind]

Starts one real `harmoniad` on a fresh data folder, runs a few executions on it, then times
whole `python -m harmonia.cli.main` processes against it (its URL and token in the
environment): `executions`, `show ID`, `executions --json`, and beside them `--version`,
`validate` of a sample, and two floors: the interpreter (`python -c pass`) and the least a
process that asks the daemon the same thing with httpx and pydantic does (`FLOOR`). Wall and
CPU (user+sys, `os.wait4`), best of `--repeat`. Run it with a venv made by `pip install -e .`
without `[dev]`: that is what a user has (with trio installed, httpcore imports it).

`--against REF` times a git revision's `harmonia` too, alternated with this tree's (`--rounds`
times): only processes run in the same minutes compare. `--callgrind`: the instructions of one
process of each command under valgrind, the steady reading on a shared machine.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _args import bench_parser
from _daemon import running_daemon
from _revision import ROOT, extract_code

SAMPLE = ROOT / "sample_workflows" / "diamond.yaml"
FLOOR = """
import os, ssl, httpx
from pydantic import BaseModel
class Summary(BaseModel):
    id: str
    status: str
class Page(BaseModel):
    items: list[Summary]
headers = {"Authorization": "Bearer " + os.environ["HARMONIA_TOKEN"]}
tls = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
with httpx.Client(base_url=os.environ["HARMONIA_URL"], headers=headers, verify=tls) as c:
    page = Page.model_validate(c.get("/api/v1/executions").json())
print("\\n".join(f"{s.id} {s.status}" for s in page.items))
"""


def commands(execution_id: str) -> dict[str, list[str]]:
    cli = [sys.executable, "-m", "harmonia.cli.main"]
    return {
        "python -c pass": [sys.executable, "-c", "pass"],
        "floor: httpx + pydantic, one GET": [sys.executable, "-c", FLOOR],
        "harmonia --version": [*cli, "--version"],
        "harmonia executions": [*cli, "executions"],
        "harmonia executions --json": [*cli, "executions", "--json"],
        "harmonia show ID": [*cli, "show", execution_id],
        "harmonia validate diamond.yaml": [*cli, "validate", str(SAMPLE)],
    }


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one whole process."""
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{command} failed")
    return wall, usage.ru_utime + usage.ru_stime


def instructions(command: list[str], env: dict[str, str]) -> int:
    """Instructions of one process under callgrind."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "callgrind.out"
        done = subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", *command],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        found = re.search(r"Collected : (\d+)", done.stderr)
        return int(found.group(1)) if found else 0


def prepare(url: str, token: str) -> str:
    """Three executions of the sample on the daemon; the id of the last one."""
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}) as client:
        stored = client.post(
            "/api/v1/workflows",
            content=SAMPLE.read_bytes(),
            headers={"Content-Type": "application/yaml"},
        )
        stored.raise_for_status()
        for _ in range(3):
            started = client.post("/api/v1/executions", json={"workflow_id": stored.json()["id"]})
            started.raise_for_status()
        return str(started.json()["id"])


def main() -> None:
    parser = bench_parser(__doc__, repeat=7, rounds=2)
    parser.add_argument("--against", metavar="REF", help="a git revision to time alternately")
    parser.add_argument("--callgrind", action="store_true", help="instructions, one process each")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, running_daemon(Path(folder) / "d") as daemon:
        execution_id = prepare(daemon.url, daemon.token)
        base = {k: v for k, v in os.environ.items() if not k.startswith("HARMONIA")}
        base |= {"HARMONIA_URL": daemon.url, "HARMONIA_TOKEN": daemon.token, "NO_COLOR": "1"}
        base.pop("PYTHONDONTWRITEBYTECODE", None)  # .pyc files are what a user has
        os.chdir(folder)  # a `harmonia/` in the current folder would shadow --against's
        trees = {"this tree": base}
        if args.against:
            code = extract_code(args.against, Path(folder) / "against")
            trees[args.against] = base | {"PYTHONPATH": str(code)}
        table = commands(execution_id)
        for env in trees.values():  # a first run of each writes its .pyc files
            for command in table.values():
                timed(command, env)
        best: dict[tuple[str, str], list[tuple[float, float]]] = {}
        for _ in range(args.rounds):
            for tree, env in trees.items():
                for name, command in table.items():
                    runs = [timed(command, env) for _ in range(args.repeat)]
                    best.setdefault((name, tree), []).extend(runs)
        print(f"best of {args.repeat * args.rounds}: wall / CPU ms, load {os.getloadavg()[0]:.1f}")
        for (name, tree), runs in best.items():
            wall, cpu = min(r[0] for r in runs), min(r[1] for r in runs)
            print(f"  {name:32s} {tree:12s} {wall * 1000:6.0f} / {cpu * 1000:4.0f}")
        if args.callgrind:
            for tree, env in trees.items():
                for name, command in table.items():
                    print(f"  {name:32s} {tree:12s} {instructions(command, env) / 1e6:6.0f} M Ir")


if __name__ == "__main__":
    main()
