"""Fuzzing set-up: a local stage of its own (moto's server + `chalice local`, as `make run` starts it),
so that what the fuzzer does to the demo accounts (lockouts, refused re-asks) touches no other test."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import running_portal


@pytest.fixture(scope="session")
def fuzz_portal():
    yield from running_portal("fuzz-portal.log")
