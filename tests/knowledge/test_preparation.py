"""The built-in 8-bit model is derived in the background at start-up, with progress."""

from __future__ import annotations

import time
from pathlib import Path

from studio.core.config import Settings
from studio.knowledge import quantize
from studio.knowledge.embeddings import _shipped_minilm_files, preparation_status, start_preparing
from studio.startup import prepare_database, prepare_knowledge


def test_the_studio_starts_deriving_the_model_at_once_with_progress(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path / "data", model_cache_dir=tmp_path / "models", seed_demo=False
    )
    assert preparation_status(settings).state == "missing"
    engine = prepare_database(f"sqlite:///{tmp_path / 'studio.db'}", seed_demo=False)
    prepare_knowledge(engine, settings)  # returns at once: no upload has been asked for yet
    seen = []
    deadline = time.monotonic() + 300
    while (status := preparation_status(settings)).state == "running":
        seen.append(status.step)
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert status.state == "ready" and status.fraction == 1.0
    assert seen and seen == sorted(seen)  # it was underway, and progress only moved forward
    assert start_preparing(settings) is None  # once per machine: nothing more to do


def test_a_failed_preparation_says_why(tmp_path: Path) -> None:
    blocked = tmp_path / "models"
    blocked.write_text("a file where the model folder should be")
    thread = quantize.prepare_in_background(_shipped_minilm_files()[0], blocked)
    assert thread is not None
    thread.join()
    status = preparation_status(Settings(data_dir=tmp_path, model_cache_dir=blocked))
    assert status.state == "failed" and "STUDIO_MODEL_CACHE_DIR" in status.message
