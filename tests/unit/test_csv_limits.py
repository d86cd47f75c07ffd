"""CSV import reads with a byte, row and cell cap and refuses devices, pipes and growing files
(issue 12 §4: ``--set path=/dev/zero`` read without bound)."""

from __future__ import annotations

import os
import threading

import pytest

from playground.data import DatasetError, csv_import, load_csv


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom", "/dev/null"])
def test_a_device_is_refused_without_reading_it(device):
    with pytest.raises(DatasetError, match="device, pipe or socket"):
        load_csv(device)


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    result: list[BaseException] = []

    def read() -> None:
        try:
            load_csv(fifo)
        except DatasetError as err:
            result.append(err)

    t = threading.Thread(target=read)
    t.start()
    t.join(10)
    assert not t.is_alive(), "load_csv hung on a FIFO"
    assert result and "device, pipe or socket" in str(result[0])


def test_a_file_that_grows_while_read_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "growing.csv"
    path.write_text("a,b\n" + "1,0\n" * 100)
    real = os.fstat

    class Shrunk:  # what fstat said before another process appended 40 bytes
        def __init__(self, st):
            self.st_mode, self.st_size = st.st_mode, st.st_size - 40

    monkeypatch.setattr(csv_import.os, "fstat", lambda fd: Shrunk(real(fd)))
    with pytest.raises(DatasetError, match="still growing"):
        load_csv(path)


def test_too_many_cells_are_refused_with_the_cap(tmp_path, monkeypatch):
    monkeypatch.setattr(csv_import, "MAX_CELLS", 1000)
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"c{i}" for i in range(50)) + "\n" + ("\n".join(",".join(["1"] * 50) for _ in range(30))))
    with pytest.raises(DatasetError, match="too many values"):
        load_csv(path)
