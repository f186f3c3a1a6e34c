"""The method registry and fit_transfer's input checks."""

from __future__ import annotations

import numpy as np
import pytest

from gradecli.color.transfer import DEFAULT_METHOD, METHODS, fit_transfer, get_method
from gradecli.errors import BadInputError

SAMPLE = np.random.default_rng(0).normal([50.0, 0.0, 0.0], [15.0, 10.0, 10.0], (2000, 3))


def test_registry_lists_the_four_methods():
    assert list(METHODS) == ["reinhard", "histogram", "mkl", "idt"]
    assert DEFAULT_METHOD in METHODS
    for m in METHODS.values():
        assert m.summary and callable(m.fit)
    assert "smoothness" in METHODS["idt"].options
    assert "seed" not in METHODS["idt"].options


def test_unknown_method_lists_valid_names():
    with pytest.raises(BadInputError) as exc:
        fit_transfer("pca", SAMPLE, SAMPLE)
    for name in METHODS:
        assert name in str(exc.value)
    assert get_method(" MKL ").name == "mkl"


def test_unknown_option_lists_valid_options():
    with pytest.raises(BadInputError, match="valid: eps, max_gain"):
        fit_transfer("reinhard", SAMPLE, SAMPLE, knots=8)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"strength": 1.5},
        {"strength": -0.1},
        {"strength": "strong"},
        {"encoding": "rec601"},
    ],
)
def test_bad_arguments(kwargs):
    with pytest.raises(BadInputError):
        fit_transfer("mkl", SAMPLE, SAMPLE, **kwargs)


@pytest.mark.parametrize(
    "method, options",
    [
        ("reinhard", {"max_gain": 0.5}),
        ("mkl", {"eps": -1.0}),
        ("histogram", {"knots": 2}),
        ("idt", {"iterations": -1}),
        ("idt", {"smoothness": 0.0}),
    ],
)
def test_bad_options(method, options):
    with pytest.raises(BadInputError):
        fit_transfer(method, SAMPLE, SAMPLE, **options)


@pytest.mark.parametrize(
    "src",
    [np.zeros((10, 4)), np.full((10, 3), np.nan), np.zeros((0, 3)), np.zeros(5)],
)
def test_bad_samples(src):
    with pytest.raises(BadInputError, match="source"):
        fit_transfer("mkl", src, SAMPLE)
    with pytest.raises(BadInputError, match="target"):
        fit_transfer("mkl", SAMPLE, src)


def test_samples_of_any_leading_shape():
    img = SAMPLE.reshape(40, 50, 3)
    a = fit_transfer("reinhard", img, img + 1.0)
    b = fit_transfer("reinhard", SAMPLE, SAMPLE + 1.0)
    assert a.to_dict() == b.to_dict()
