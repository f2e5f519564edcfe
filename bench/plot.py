"""Latency and throughput against load, from a `bench/stack.py` result (issue 8).

.venv/bin/python bench/plot.py bench/results/latest.json docs/perf/latency-vs-load.png
"""

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display

import matplotlib.pyplot as plt  # noqa: E402


def plot(results: dict, path: Path) -> Path:
    """p50/p95 latency and throughput per endpoint against concurrent users, one PNG."""
    figure, (latency, throughput) = plt.subplots(1, 2, figsize=(11, 4.2), layout="constrained")
    for name, runs in results["load"]["endpoints"].items():
        users = [run["users"] for run in runs]
        (line,) = latency.plot(users, [run["p95_ms"] for run in runs], marker="o", label=name)
        latency.plot(
            users, [run["p50_ms"] for run in runs], marker=".", ls=":", color=line.get_color()
        )
        throughput.plot(users, [run["rps"] for run in runs], marker="o", label=name)
    latency.set(
        xscale="log", yscale="log", xlabel="concurrent users", ylabel="ms (p95 solid, p50 dotted)"
    )
    throughput.set(xscale="log", xlabel="concurrent users", ylabel="requests/s")
    for axes in (latency, throughput):
        ticks = results["load"]["users"]
        axes.set_xticks(ticks, [str(t) for t in ticks])
        axes.minorticks_off()
        axes.grid(alpha=0.3)
    throughput.legend(loc="upper left", fontsize="small")
    machine = results["machine"]
    figure.suptitle(
        f"CloudRoute on {machine['cores']} cores, {results['started'][:10]}"
        f" ({results['mode']} run; the load generator shares the machine)",
        fontsize="medium",
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(f"usage: {sys.argv[0]} RESULT.json OUTPUT.png")
    print(plot(json.loads(Path(sys.argv[1]).read_text()), Path(sys.argv[2])))
