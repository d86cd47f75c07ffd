"""Pruning the spiral MLP: at least 70% of its weights removed with validation accuracy within
2 points of the dense network (issue 14).

The "mlp" template (spirals, the x², xy, sin features) widened to 64 units a layer is trained
for its default run, then pruned by global weight magnitude to ``--sparsity`` over ``--rounds``
rounds, fine-tuning ``--finetune`` steps after each with the mask fixed. One JSON line per seed:
{"seed", "sparsity", "acc_dense", "acc_pruned", "ok"} (accuracies as fractions in [0, 1]), then
a summary line. Accuracies depend on the seed only, never on the machine; the seconds do.

Run: .venv/bin/python benchmarks/bench_prune.py [--seeds 3] [--sparsity 0.8] [--width 64]
"""

from __future__ import annotations

import argparse
import json
import time

import torch

from playground.analysis.prune import prune_session
from playground.session.new import new_session


def trained_mlp(width: int, seed: int):
    session, _ = new_session("mlp", overrides=[f"fc1.out_features={width}", f"fc2.out_features={width}",
                                               f"config.seed={seed}"])
    trainer = session.make_trainer()
    trainer.run(raise_errors=True, wait_when_paused=False)
    session.capture(trainer)
    return session


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--sparsity", type=float, default=0.8)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--finetune", type=int, default=100)
    parser.add_argument("--width", type=int, default=64)
    args = parser.parse_args()
    torch.set_num_threads(1)
    results = []
    for seed in range(args.seeds):
        start = time.perf_counter()
        session = trained_mlp(args.width, seed)
        result = prune_session(session, args.sparsity, rounds=args.rounds, train_steps=args.finetune)
        dense, pruned = result.dense.value, result.pruned.value
        line = {"seed": seed, "sparsity": round(result.sparsity, 4), "acc_dense": round(dense, 4),
                "acc_pruned": round(pruned, 4), "ok": result.sparsity >= 0.7 and pruned >= dense - 0.02,
                "seconds": round(time.perf_counter() - start, 1)}
        results.append(line)
        print(json.dumps(line), flush=True)
    print(json.dumps({"case": "summary", "sparsity": min(r["sparsity"] for r in results),
                      "acc_dense": round(sum(r["acc_dense"] for r in results) / len(results), 4),
                      "acc_pruned": round(sum(r["acc_pruned"] for r in results) / len(results), 4),
                      "ok": all(r["ok"] for r in results)}))


if __name__ == "__main__":
    main()
