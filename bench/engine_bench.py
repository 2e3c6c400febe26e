"""Engine throughput against the raw anyio + graphlib limit, with durable state on.

    python bench/engine_bench.py [--backend asyncio|trio] [--big 100000] [--repeat 3]

Prints, for a 1,000-task chain and a 10,000-task random DAG (each task depends on up to 3 of the
previous 50), the best time of the raw limit and of the engine, and their ratio; then runs a
100,000-task DAG and prints peak RSS and µs per task next to the 10,000-task figure.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
from pathlib import Path

import anyio

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _dags import chain, echo_workflow, random_dag
from _engine import run_to_end
from raw_limit import run_raw

from harmonia.engine import open_engine
from harmonia.engine.tuning import ProcessTuning
from harmonia.loader import load_workflow_dict


async def run_engine(graph: dict[str, list[str]], name: str) -> tuple[float, int]:
    """Seconds from `start()` until `workflow_completed` is durable and published (as a
    subscriber such as the CLI sees it), and the number of group commits it took. The final
    snapshot, written after that, is timed by `wait()` separately."""
    workflow = load_workflow_dict(echo_workflow(name, graph))
    with tempfile.TemporaryDirectory() as data_dir:
        # tuned as `harmonia run` tunes its process: this measures what the command does
        options = {"checkpoint_interval": None, "hooks": ProcessTuning()}
        async with open_engine(data_dir, **options) as engine:
            elapsed = await run_to_end(engine, workflow)
            return elapsed, engine.writer.batches


def best(values: list[float]) -> float:
    return min(values)


async def compare(label: str, graph: dict[str, list[str]], repeat: int) -> tuple[float, float]:
    raw = best([await run_raw(graph) for _ in range(repeat)])
    runs = [await run_engine(graph, label) for _ in range(repeat)]
    eng = best([r[0] for r in runs])
    n = len(graph)
    print(
        f"{label:<22} tasks={n:>7}  raw={raw * 1e3:8.1f} ms ({raw / n * 1e6:5.1f} µs/task)"
        f"  engine={eng * 1e3:8.1f} ms ({eng / n * 1e6:6.1f} µs/task)"
        f"  ratio={eng / raw:4.2f}x  commits={runs[0][1]}"
    )
    return raw, eng


async def main(args: argparse.Namespace) -> None:
    print(f"backend={args.backend} python={sys.version.split()[0]}")
    await compare("chain-1000", chain(1000), args.repeat)
    _, eng10k = await compare("random-dag-10000", random_dag(10_000), args.repeat)
    if args.big:
        # Each in a fresh process: its peak RSS is then the run's own, and the figure is not
        # skewed by what the runs above left on the heap. The 10,000-task figure it is held
        # against is measured the same way (best of --repeat fresh processes): a warm process
        # that has run the same DAG before is not the same measurement.
        small = [await in_fresh_process(10_000, args.backend) for _ in range(args.repeat)]
        small_per_task = min(elapsed for elapsed, _ in small) / 10_000 * 1e6
        elapsed, rss_mb = await in_fresh_process(args.big, args.backend)
        per_task = elapsed / args.big * 1e6
        print(
            f"random-dag-10000 (fresh process, best of {args.repeat}): "
            f"{small_per_task:.1f} µs/task, peak RSS {min(r for _, r in small):.0f} MB"
        )
        print(
            f"random-dag-{args.big} (fresh process): {elapsed:.2f} s, {per_task:.1f} µs/task "
            f"= {per_task / small_per_task:.2f}x the fresh 10,000-task figure "
            f"({per_task / (eng10k / 10_000 * 1e6):.2f}x the warm one above), "
            f"peak RSS {rss_mb:.0f} MB"
        )


async def in_fresh_process(size: int, backend: str) -> tuple[float, float]:
    """Seconds and peak RSS (MB) of one run of a `size`-task random DAG in a new process."""
    command = [sys.executable, __file__, "--only-big", str(size), "--backend", backend]
    done = await anyio.run_process(command)
    out = done.stdout.decode().split()
    return float(out[0]), float(out[1])


async def only_big(size: int) -> None:
    """Run the big DAG alone; print seconds and peak RSS (MB) for the parent to report."""
    elapsed, _ = await run_engine(random_dag(size), f"random-dag-{size}")
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(elapsed, rss_mb)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="asyncio", choices=["asyncio", "trio"])
    parser.add_argument("--big", type=int, default=100_000, help="size of the large DAG (0: skip)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only-big", type=int, default=0, help=argparse.SUPPRESS)
    ns = parser.parse_args()
    if ns.only_big:
        anyio.run(only_big, ns.only_big, backend=ns.backend)
    else:
        anyio.run(main, ns, backend=ns.backend)
