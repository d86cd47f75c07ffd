"""Every template reaches the validation result it states, with the real Trainer, on three seeds.

Templates whose default run is long on a CPU declare a smaller quick run (fewer samples or
epochs) with its own, stated goal; that is what runs here, so the file stays cheap on CI."""

import pytest
import torch

from playground.data import DATASETS, make_dataset
from playground.graph.templates import TEMPLATES
from playground.train.config import default_config
from playground.train.trainer import Trainer

SEEDS = (0, 1, 2)


@pytest.fixture(autouse=True)
def one_thread():
    # small networks: more threads only add overhead, and CI shares two cores
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_every_template_states_a_result_it_can_be_checked_on():
    for name, t in TEMPLATES.items():
        assert t.expected is not None, name
        _, _, goal = t.run(quick=True)
        assert goal.metric in ("val/accuracy", "val/loss")
        line = t.promise()
        assert t.expected.goal.describe() in line and t.dataset in line
        if t.expected.quick is not None:
            assert "quick check" in line and t.expected.quick.goal.describe() in line


@pytest.mark.parametrize("name", list(TEMPLATES))
def test_template_reaches_its_stated_result(name):
    template = TEMPLATES[name]
    dataset_params, config, goal = template.run(quick=True)
    finals = []
    for seed in SEEDS:
        bundle = make_dataset(template.dataset, {**dataset_params, "seed": seed})
        # the settings a new session from this template gets (the dataset category's, then the template's)
        settings = default_config(DATASETS[template.dataset].category, **config, seed=seed)
        trainer = Trainer(template.build(), bundle, settings)
        state = trainer.run(raise_errors=True, wait_when_paused=False)
        assert state == "finished", (name, seed, trainer.buffer.status())
        _, values = trainer.buffer.series(goal.metric)
        assert len(values) > 0, f"{name}: no {goal.metric} recorded"
        finals.append(float(values[-1]))
    assert all(goal.met_by(v) for v in finals), f"{name}: {goal.describe()} not met, got {finals}"
