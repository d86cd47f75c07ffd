"""CSV import: good tables become datasets; every bad file gets a message naming file, row and column."""

import pytest
import torch

from playground.data import DatasetError, csv_import, load_csv, make_dataset


def write(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def flower_rows(n=40):
    lines = ["length,width,colour,species"]
    for i in range(n):
        kind = ["setosa", "virginica", "versicolor"][i % 3]
        lines.append(f"{1.0 + (i % 3) + 0.01 * i},{10 + i % 7},{i % 5},{kind}")
    return "\n".join(lines) + "\n"


def test_string_labels_become_classes_and_inputs_are_standardised(tmp_path):
    b = load_csv(write(tmp_path, flower_rows()), target_column="species", seed=1)
    assert b.task.task == "classification" and b.task.num_classes == 3
    assert b.meta["class_names"] == ["setosa", "versicolor", "virginica"]
    assert b.meta["input_columns"] == ["length", "width", "colour"] and b.meta["target_column"] == "species"
    assert b.x_train.dtype == torch.float32 and b.y_train.dtype == torch.int64
    assert b.n_train + b.n_val == 40 and b.task.input_shape == (3,)
    assert torch.allclose(b.x_train.mean(0), torch.zeros(3), atol=1e-5)
    assert torch.allclose(b.x_train.std(0, unbiased=False), torch.ones(3), atol=1e-4)
    assert len(b.meta["input_mean"]) == 3 and b.meta["input_std"][1] > 1


def test_chosen_input_columns_by_name_and_index(tmp_path):
    path = write(tmp_path, flower_rows())
    b = load_csv(path, input_columns=["length", 1], target_column=-1)
    assert b.meta["input_columns"] == ["length", "width"] and b.task.input_shape == (2,)
    assert len(b.meta["extent"]) == 4  # two inputs: the app can draw the plane
    same = load_csv(path, input_columns=["length", 1], target_column=-1)
    assert torch.equal(b.x_train, same.x_train) and torch.equal(b.y_val, same.y_val)


def test_regression_target_is_standardised_and_recoverable(tmp_path):
    rows = ["x,y"] + [f"{i},{3 * i + 100}" for i in range(30)]
    b = load_csv(write(tmp_path, "\n".join(rows)), target_column="y", task="regression", val_fraction=0.0)
    assert b.task.task == "regression" and b.task.target_shape == (1,) and b.n_val == 0
    original = b.y_train * b.meta["target_std"] + b.meta["target_mean"]
    x = b.x_train * torch.tensor(b.meta["input_std"]) + torch.tensor(b.meta["input_mean"])
    assert torch.allclose(original[:, 0], 3 * x[:, 0] + 100, atol=1e-3)


def test_auto_task_picks_regression_for_measurements_and_classes_for_few_integers(tmp_path):
    floats = ["a,b"] + [f"{i},{i * 0.37:.2f}" for i in range(30)]
    ints = ["a,b"] + [f"{i},{i % 2}" for i in range(30)]
    assert load_csv(write(tmp_path, "\n".join(floats), "f.csv")).task.task == "regression"
    b = load_csv(write(tmp_path, "\n".join(ints), "i.csv"))
    assert b.task.task == "classification" and b.meta["class_names"] == ["0", "1"]


def test_headerless_semicolon_file(tmp_path):
    rows = [f"{i};{i * 2};{'yes' if i % 2 else 'no'}" for i in range(20)]
    b = load_csv(write(tmp_path, "\n".join(rows)))
    assert b.meta["input_columns"] == ["column 1", "column 2"] and b.meta["class_names"] == ["no", "yes"]


def test_registry_entry_loads_the_same_file(tmp_path):
    path = write(tmp_path, flower_rows())
    b = make_dataset("csv", {"path": str(path), "target": "species", "inputs": "length, width"})
    assert b.name == "csv" and b.task.input_shape == (2,) and b.task.num_classes == 3


@pytest.mark.parametrize(("text", "kwargs", "message"), [
    ("", {}, "the file is empty"),
    ("a,b,c\n", {}, "header but no data rows"),
    ("a,b\n1,x\n2,y\n3,x\n", {"target_column": "a"}, "row 2, column 'b': 'x' is not a number"),
    ("a,b,label\n1,2,x\n3,,y\n4,5,x\n", {}, "row 3, column 'b': missing value"),
    ("a,b,label\n1,2,x\n3,4,NA\n4,5,y\n", {}, "row 3, target column 'label': missing value"),
    ("a,b,label\n1,2,x\n3,4,x\n5,6,x\n", {}, "single class ('x')"),
    ("a,b,label\n1,2,x\n3,4\n5,6,y\n", {}, "row 3 has 2 cells but the header has 3"),
    ("a,b,label\n1,2,x\n3,4,y\n", {"target_column": "kind"}, "unknown target column 'kind'; columns are: a, b, label"),
    ("a,b,label\n1,2,x\n3,4,y\n", {"input_columns": ["a", "z"]}, "unknown input column 'z'"),
    ("a,b,label\n1,2,x\n3,4,y\n", {"target_column": 5}, "index 5 is out of range (the file has 3 columns)"),
    ("a,b,label\n1,2,x\n3,4,y\n", {"input_columns": ["a", "label"]}, "cannot be both an input and the target"),
    ("a,b,label\n1,2,x\n3,4,y\n", {"task": "regression"}, "row 2, target column 'label': 'x' is not a number"),
    ("a,b,label\n1,2,x\n", {}, "needs at least 2 data rows"),
    ("a,a,b\n1,2,x\n3,4,y\n", {}, "column name 'a' appears twice"),
    ("a,b,label\n1,2,x\n1e39,4,y\n", {}, "row 3, column 'a': 1e39 is too large"),
    ("a,b,t\n1,2,0.5\n3,4,-2e300\n5,6,1.5\n", {"task": "regression"}, "row 3, target column 't': -2e300 is too large"),
])
def test_bad_files_name_the_problem_and_place(tmp_path, text, kwargs, message):
    path = write(tmp_path, text)
    with pytest.raises(DatasetError) as e:
        load_csv(path, **kwargs)
    assert message in str(e.value) and str(path) in str(e.value)


def test_missing_file_and_non_text_file(tmp_path):
    with pytest.raises(DatasetError, match="no such file"):
        load_csv(tmp_path / "nope.csv")
    bad = tmp_path / "bin.csv"
    bad.write_bytes(b"a,b\n\xff\xfe,1\n")
    with pytest.raises(DatasetError, match="not a UTF-8 text file"):
        load_csv(bad)


def test_too_many_rows_and_too_many_bytes_are_refused(tmp_path, monkeypatch):
    path = write(tmp_path, "a,b\n" + "".join(f"{i},{i % 2}\n" for i in range(60)))
    monkeypatch.setattr(csv_import, "MAX_ROWS", 50)  # the real cap is 200,000 rows; same code path
    with pytest.raises(DatasetError, match="too many rows"):
        load_csv(path)
    monkeypatch.setattr(csv_import, "MAX_BYTES", 100)
    with pytest.raises(DatasetError, match="file is too large"):
        load_csv(path)


def test_blank_lines_above_the_table_are_skipped(tmp_path):
    path = write(tmp_path, "\n\na,b,label\n1,2,x\n3,4,y\n5,6,x\n7,8,y\n")
    bundle = load_csv(path, val_fraction=0.0)
    assert bundle.meta["input_columns"] == ["a", "b"] and bundle.meta["class_names"] == ["x", "y"]
    assert bundle.n_train == 4
    with pytest.raises(DatasetError, match="row 5, column 'b': 'z' is not a number"):
        load_csv(write(tmp_path, "\n\na,b,label\n1,2,x\n3,z,y\n"))
