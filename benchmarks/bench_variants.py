"""Many small variants at once against one Trainer run. Prints one JSON line per case.

The spiral MLP example (the ``mlp`` template on its own data) at batch 10 with plain SGD:
``variants`` trains 64 variants (seeds 0..63) for ``--steps`` steps as one stacked model
(``playground.train.variants``); ``single`` is one Trainer run of the same steps with the same
config and ``record=False`` (the training loss only, like the variants engine: like with like),
and ``single_recorded`` the same with the Trainer's full record. Rounds alternate, each from
step 0, so drift on a shared machine hits all of them; the best round of each is reported.

    variants_over_single = (examples/s of the 64 variants together) / (examples/s of one run)

Target: variants_over_single >= 20.

    .venv/bin/python benchmarks/bench_variants.py [--variants 64] [--steps 400] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import time

from playground.data import make_dataset
from playground.graph.templates import TEMPLATES
from playground.train import MetricsBuffer, TrainConfig, Trainer, threads
from playground.train.variants import train_variants

BATCH = 10


def single(graph_fn, bundle, config: TrainConfig, steps: int, record: bool) -> float:
    trainer = Trainer(graph_fn(), bundle, config, MetricsBuffer(), record=record)
    start = time.perf_counter()
    trainer.run(max_steps=steps, wait_when_paused=False)
    return trainer.step * BATCH / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", type=int, default=64)
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    threads.configure_process()
    template = TEMPLATES["mlp"]
    bundle = make_dataset(template.dataset, template.dataset_params)
    config = TrainConfig(optimizer="sgd", lr=0.1, momentum=0.0, batch_size=BATCH, device="cpu")
    configs = [config.with_changes(seed=seed) for seed in range(args.variants)]
    train_variants(template.build(), bundle, configs, 20)  # warm-up: first calls allocate
    single(template.build, bundle, config, 20, record=False)
    rates: dict[str, list[float]] = {"variants": [], "single": [], "single_recorded": []}
    engine = ""
    for _ in range(args.rounds):
        run = train_variants(template.build(), bundle, configs, args.steps)
        engine = run.engine
        rates["variants"].append(run.examples_per_s)
        rates["single"].append(single(template.build, bundle, config, args.steps, record=False))
        rates["single_recorded"].append(single(template.build, bundle, config, args.steps, record=True))
    best = {k: max(v) for k, v in rates.items()}
    print(json.dumps({"case": "mlp_spirals_sgd_batch10", "variants": args.variants, "steps": args.steps,
                      "rounds": args.rounds, "engine": engine,
                      "variants_examples_per_s": round(best["variants"]),
                      "single_examples_per_s": round(best["single"]),
                      "single_recorded_examples_per_s": round(best["single_recorded"]),
                      "variants_over_single": round(best["variants"] / best["single"], 2),
                      "variants_over_single_recorded": round(best["variants"] / best["single_recorded"], 2),
                      "target": 20, "met": best["variants"] / best["single"] >= 20}), flush=True)


if __name__ == "__main__":
    main()
