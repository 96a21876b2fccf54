#!/usr/bin/env python3
"""The scaling model of docs/scaling.md: expected training time per epoch of the paper's four
networks at R data-parallel ranks, from the step rates measured here (`galam bench nn`) and the
ring all-reduce's traffic. Every input is a stated assumption or a figure measured on this
machine; change them with the options and rerun.

    scripts/scaling-model.py                      # the tables in docs/scaling.md
    scripts/scaling-model.py --rank-speedup 16    # ranks 16x faster than this 2-core machine
"""
import argparse

# Parameters (gradient floats) and training samples/s at batch 32 on this 2-core machine with
# 2 threads (README, `galam bench nn`, quiet machine; M3 with Winograd, as train uses at 128 px).
NETWORKS = {
    "M1": (36_907_229, 400.0),
    "M2 @128": (10_876_224, 286.0),
    "M3 @128": (37_612_802, 65.0),
    "M4 end to end": (38_370_178, 576.0),
}

def allreduce_seconds(floats, ranks, gbit, latency):
    """Ring all-reduce: each rank sends and receives 2·S·(R−1)/R bytes in 2(R−1) steps."""
    if ranks == 1:
        return 0.0
    size = 4 * floats
    return 2 * size * (ranks - 1) / ranks / (gbit * 1e9 / 8) + 2 * (ranks - 1) * latency

def epoch_seconds(galaxies, ranks, gbit, args, per_rank_batch):
    train = 0.8 * galaxies
    total, worst = 0.0, (0.0, "")
    for name, (floats, rate) in NETWORKS.items():
        rate *= args.rank_speedup
        compute = per_rank_batch / rate                  # one rank's share of a step
        comm = allreduce_seconds(floats, ranks, gbit, args.latency)
        steps = train / (per_rank_batch * ranks)
        total += steps * (compute + comm)
        share = comm / (compute + comm)
        worst = max(worst, (share, name))
    return total, worst

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rank-speedup", type=float, default=1.0, help="each rank's speed relative to this machine's 2 threads")
    p.add_argument("--latency", type=float, default=10e-6, help="seconds per message of the ring (default 10 µs)")
    p.add_argument("--per-rank-batch", type=int, default=32, help="samples per rank and step (global batch = R × this)")
    args = p.parse_args()
    print(f"per-rank batch {args.per_rank_batch} (global batch {args.per_rank_batch} × R, learning rate × R); "
          f"ranks {args.rank_speedup:g}× this machine; ring latency {args.latency * 1e6:g} µs")
    print()
    print("| galaxies | ranks | steps/epoch | 10 Gbit/s: epoch (speed-up) | all-reduce share, worst network | 100 Gbit/s: epoch (speed-up) | all-reduce share, worst network |")
    print("|---:|---:|---:|---:|---|---:|---|")
    for galaxies in (36_278, 1_000_000):
        base = {gbit: epoch_seconds(galaxies, 1, gbit, args, args.per_rank_batch)[0] for gbit in (10, 100)}
        for ranks in (1, 8, 64, 512):
            cells = []
            for gbit in (10, 100):
                t, (share, name) = epoch_seconds(galaxies, ranks, gbit, args, args.per_rank_batch)
                cells += [f"{fmt(t)} ({base[gbit] / t:.1f}×)", f"{100 * share:.0f} % ({name})" if ranks > 1 else "—"]
            steps = 0.8 * galaxies / (args.per_rank_batch * ranks)
            print(f"| {galaxies:,} | {ranks} | {steps:,.0f} | {cells[0]} | {cells[1]} | {cells[2]} | {cells[3]} |")
    print()
    print("Per step at 8 ranks (compute of one rank's 32 samples, all-reduce at 10 / 100 Gbit/s):")
    print()
    print("| network | gradient MB | compute ms | all-reduce ms, 10 Gbit/s | all-reduce ms, 100 Gbit/s |")
    print("|---|---:|---:|---:|---:|")
    for name, (floats, rate) in NETWORKS.items():
        compute = args.per_rank_batch / (rate * args.rank_speedup)
        print(f"| {name} | {4 * floats / 1e6:.0f} | {1000 * compute:.0f} | {1000 * allreduce_seconds(floats, 8, 10, args.latency):.0f} | "
              f"{1000 * allreduce_seconds(floats, 8, 100, args.latency):.0f} |")

def fmt(seconds):
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    if seconds >= 60:
        return f"{seconds / 60:.1f} min"
    return f"{seconds:.1f} s"

if __name__ == "__main__":
    main()
