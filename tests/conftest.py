"""Shared fixtures: where the project's shared material (golden vectors, datasets) lives."""

import os
from pathlib import Path

import pytest


def shared_dir():
    """The shared folder: $SPIKENCG_SHARED, else ``../shared`` beside the repository."""
    env = os.environ.get("SPIKENCG_SHARED")
    path = Path(env) if env else Path(__file__).resolve().parents[1].parent / "shared"
    if not path.is_dir():
        pytest.fail(f"shared folder not found at {path} (set SPIKENCG_SHARED)")
    return path


@pytest.fixture(scope="session")
def golden_dir():
    """Folder of the golden vectors produced by the original implementation."""
    return shared_dir() / "golden"


@pytest.fixture(scope="session")
def data_dir():
    """Folder of the real datasets (IDX files)."""
    return shared_dir() / "data"
