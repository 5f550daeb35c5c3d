"""render/assets.py: fingerprinted names from the content, immutable only under the current hash, no
path traversal; render/guide.py: a step without its picture is shown without one."""

from __future__ import annotations

import re

import pytest

from chalicelib.render import assets


@pytest.fixture
def static(tmp_path, monkeypatch):
    monkeypatch.setattr(assets, "STATIC", tmp_path)
    assets.clear()
    yield tmp_path
    assets.clear()


def test_the_name_carries_ten_hex_digits_of_the_contents_hash(static):
    (static / "site.css").write_bytes(b"a {}\n")
    name = assets.fingerprinted_name("site.css")
    assert re.fullmatch(r"site\.[0-9a-f]{10}\.css", name)
    found = assets.resolve(name)
    assert found is not None and found.cache_control == assets.IMMUTABLE and found.path.name == "site.css"
    assert assets.resolve("site.css").cache_control == assets.SHORT


@pytest.mark.parametrize("name", ["../site.css", "..%2Fsite.css", ".hidden", "", "sub/site.css", "site.css.bak",
                                  "site.0123456789.css", "nothing.0123456789.css"])
def test_anything_but_a_file_directly_under_static_or_its_current_name_is_refused(static, name):
    (static / "site.css").write_bytes(b"a {}\n")
    (static / ".hidden").write_bytes(b"secret")
    assert assets.resolve(name) is None


def test_a_step_whose_picture_is_missing_has_none(monkeypatch, tmp_path):
    from chalicelib.render import guide

    monkeypatch.setattr(guide, "STATIC", tmp_path)
    step = guide._step(3)
    assert (step.number, step.image, step.button) == (3, None, "mfa.configure_button")
    (tmp_path / "guide-step-03.png").write_bytes(b"not a png at all, just bytes")
    assert guide._step(3).image is None


def test_every_step_of_the_guide_has_its_picture_in_the_static_files():
    from chalicelib.render.guide import GUIDE_STEPS

    assert [step.number for step in GUIDE_STEPS] == list(range(1, 12))
    assert all(step.image and step.width <= 720 and step.height > 0 for step in GUIDE_STEPS)
