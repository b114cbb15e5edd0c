"""`leadline prepare` killed anywhere loses nobody (issue #15, item 3).

A real process is killed with SIGKILL (no ``finally``, no flush), then the same command runs again to the
end; every file it leaves (the contract files, the rejected rows, the validation report) must be byte for
byte what one uninterrupted run writes. The processes are forked from a fork server that has imported
prepare once, so each kill costs milliseconds, not an interpreter start.

Two ways to choose where the process dies:
* at every checkpoint prepare itself declares (``prepare._checkpoint``: a part's temporary file created,
  written, renamed; the state saved; each combined file; the report), enumerated by a counting run;
* without prepare's help, as the review did: inside ``DataFrame.to_csv`` halfway through a chunk's rows,
  and just before the state is saved (``prepare._save``), which is where the rows of a half-written or
  unrecorded chunk were read back as done and their people lost.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import random
import signal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from leadline.evidence import prepare as prep
from leadline.evidence.tests.test_prepare import _mapping

CHUNK = 3  # people: 2 chunks (A2 in both: a duplicate across chunks), events: 2 chunks, a rejection in each
PROCESSES = 2


def _files(folder: Path) -> dict[str, bytes]:
    """Every file prepare leaves for its reader: everything but its own working folder."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and ".prepare" not in p.relative_to(folder).parts
    }


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _run(mapping: str, out: str, kill: tuple[str, int] | None) -> None:
    """The child: prepare, dying at the ``kill[1]``-th call of ``kill[0]`` (a checkpoint, a part written by
    to_csv, a state save); None: to the end."""
    calls = {"n": 0}

    def counted() -> bool:
        calls["n"] += 1
        return kill is not None and calls["n"] == kill[1]

    if kill and kill[0] == "checkpoint":
        prep._checkpoint = lambda label: _die() if counted() else None
    elif kill and kill[0] == "to_csv":
        real_to_csv = pd.DataFrame.to_csv

        def to_csv(frame: pd.DataFrame, target: Any = None, *args: Any, **kwargs: Any) -> Any:
            if counted():  # half the chunk's rows reach the file, then the machine goes down
                real_to_csv(frame.iloc[: max(1, len(frame) // 2)], target, *args, **kwargs)
                if hasattr(target, "flush"):
                    target.flush()
                _die()
            return real_to_csv(frame, target, *args, **kwargs)

        pd.DataFrame.to_csv = to_csv
    elif kill and kill[0] == "save":
        real_save = prep._save

        def save(*args: Any, **kwargs: Any) -> None:
            if counted():
                _die()
            real_save(*args, **kwargs)

        prep._save = save
    prep.prepare(mapping, out, chunk=CHUNK, stream=io.StringIO())


def _count(mapping: str, what: str) -> int:
    """How many times an uninterrupted run passes ``what`` (in the child, so nothing leaks here)."""
    calls = {"n": 0}

    def tick(*_args: Any, **_kwargs: Any) -> None:
        calls["n"] += 1

    if what == "checkpoint":
        prep._checkpoint = tick
    elif what == "to_csv":
        real_to_csv = pd.DataFrame.to_csv

        def to_csv(frame: pd.DataFrame, *args: Any, **kwargs: Any) -> Any:
            tick()
            return real_to_csv(frame, *args, **kwargs)

        pd.DataFrame.to_csv = to_csv
    else:
        real_save = prep._save

        def save(*args: Any, **kwargs: Any) -> None:
            tick()
            real_save(*args, **kwargs)

        prep._save = save
    import tempfile

    with tempfile.TemporaryDirectory() as out:
        prep.prepare(mapping, out, chunk=CHUNK, stream=io.StringIO())
    return calls["n"]


@pytest.fixture(scope="module")
def forked() -> Any:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return context


def _in_child(forked: Any, *args: Any) -> int | None:
    """Runs ``_run(*args)`` in a forked process; its exit code (-9: killed by SIGKILL)."""
    process = forked.Process(target=_run, args=args)
    process.start()
    process.join(timeout=120)
    return process.exitcode


def _counted(forked: Any, mapping: Path, what: str) -> int:
    with forked.Pool(1) as pool:
        return int(pool.apply(_count, (str(mapping), what)))


def _resume(mapping: str, out: str) -> dict[str, bytes]:
    prep.prepare(mapping, out, chunk=CHUNK, stream=io.StringIO())  # the operator runs it again
    return _files(Path(out))


@pytest.fixture
def reference(tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    mapping = _mapping(tmp_path)
    prep.prepare(mapping, tmp_path / "reference", chunk=CHUNK, stream=io.StringIO())
    files = _files(tmp_path / "reference")
    assert set(files) == {"people.csv", "events.csv", "rejected/people.csv", "rejected/events.csv",
                          "validation-report.json"}  # fmt: skip
    return mapping, files


def _killed_then_resumed(
    forked: Any, mapping: Path, folder: Path, kills: list[tuple[str, int]]
) -> dict[tuple[str, int], dict[str, bytes]]:
    """For each kill, a process that dies there (two at a time), then the run that resumes its folder."""
    outs = {kill: str(folder / f"{kill[0]}-{kill[1]}") for kill in kills}
    for start in range(0, len(kills), PROCESSES):
        batch = [forked.Process(target=_run, args=(str(mapping), outs[kill], kill))
                 for kill in kills[start : start + PROCESSES]]  # fmt: skip
        for process in batch:
            process.start()
        for kill, process in zip(kills[start : start + PROCESSES], batch, strict=True):
            process.join(timeout=120)
            assert process.exitcode == -signal.SIGKILL, (
                f"{kill}: to die by SIGKILL, exited {process.exitcode}"
            )
    with forked.Pool(PROCESSES) as pool:
        resumed = pool.starmap(_resume, [(str(mapping), outs[kill]) for kill in kills])
    return dict(zip(kills, resumed, strict=True))


def _differences(expected: dict[str, bytes], got: dict[str, bytes]) -> list[str]:
    return sorted(k for k in set(expected) | set(got) if expected.get(k) != got.get(k))


@pytest.mark.parametrize("what", ["to_csv", "save"])
def test_a_kill_halfway_through_a_part_or_before_its_chunk_is_recorded_loses_nobody(
    forked, reference, tmp_path, what
):
    mapping, expected = reference
    calls = _counted(forked, mapping, what)
    assert calls >= 4  # every chunk of people and of events at least
    resumed = _killed_then_resumed(forked, mapping, tmp_path, [(what, n) for n in range(1, calls + 1)])
    for kill, got in resumed.items():
        assert not _differences(expected, got), f"killed at {kill}: {_differences(expected, got)} differ"


def test_a_kill_at_every_checkpoint_then_a_rerun_writes_exactly_what_one_run_writes(
    forked, reference, tmp_path
):
    mapping, expected = reference
    checkpoints = _counted(forked, mapping, "checkpoint")
    # each chunk: its part, its rejected rows and the state, each created, written and renamed; each file:
    # the contract file, its rejected rows, the state; the report
    assert checkpoints == 9 * 4 + 9 * 2 + 3
    kills = [("checkpoint", n) for n in range(1, checkpoints + 1)]
    for kill, got in _killed_then_resumed(forked, mapping, tmp_path, kills).items():
        assert not _differences(expected, got), f"killed at {kill}: {_differences(expected, got)} differ"


def test_killed_again_and_again_it_still_ends_with_exactly_what_one_run_writes(forked, reference, tmp_path):
    """Kills on the resumed runs too, each at one of its first 20 checkpoints (fixed seed), until a run is
    short enough to end: most kills fall before the run has recorded anything new, some after."""
    mapping, expected = reference
    out = tmp_path / "again"
    rng = random.Random(15)
    kills = 0
    while (code := _in_child(forked, str(mapping), str(out), ("checkpoint", rng.randint(1, 20)))) != 0:
        assert code == -signal.SIGKILL
        kills += 1
        assert kills < 100
    assert kills >= 5
    assert _files(out) == expected


def test_a_leftover_empty_part_no_longer_stops_every_later_run(reference, tmp_path):
    """The machine went down just as a part file was created: the folder holds an empty file with a part's
    name that no chunk ever finished."""
    mapping, expected = reference
    out = tmp_path / "contract"
    (out / ".prepare").mkdir(parents=True)
    (out / ".prepare" / "people.part-00000.csv").write_text("")
    prep.prepare(mapping, out, chunk=CHUNK, stream=io.StringIO())
    assert _files(out) == expected


def test_a_folder_begun_by_an_older_prepare_is_refused_with_what_to_do(reference, tmp_path):
    mapping, _expected = reference
    out = tmp_path / "contract"
    (out / ".prepare").mkdir(parents=True)
    (out / ".prepare" / "state.json").write_text(
        '{"people": {"read": 2, "kept": 2, "rejected": 0, "reasons": {}, "parts": 1, "complete": false}}'
    )
    with pytest.raises(prep.MappingError, match=r"older version.*empty folder"):
        prep.prepare(mapping, out, chunk=CHUNK, stream=io.StringIO())
