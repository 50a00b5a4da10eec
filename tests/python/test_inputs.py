"""Inputs: float16, float32, Fortran order, non-contiguous slices, other
byte orders and PyTorch-style views give the value of a contiguous float64
copy; bad input raises dsesweep.Error with the engine's exact message."""
import numpy as np
import pytest

import dsesweep

RNG = np.random.default_rng(3)
BASE = RNG.normal(size=(240, 24)) * 3
LABELS = np.arange(240) % 4


def same(a, b):
    assert a == pytest.approx(b, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_dtypes_read_in_place(dtype):
    Z = BASE.astype(dtype)
    ref = np.ascontiguousarray(Z, dtype=np.float64)
    assert dsesweep.dse(Z, sigma=4) == dsesweep.dse(ref, sigma=4)
    same(dsesweep.dsmi(Z, labels=LABELS, sigma=4), dsesweep.dsmi(ref, labels=LABELS, sigma=4))


@pytest.mark.parametrize("make", [
    lambda a: np.asfortranarray(a),
    lambda a: np.asfortranarray(a.astype(np.float32)),
    lambda a: np.repeat(a, 2, axis=1)[:, ::2],          # non-contiguous columns
    lambda a: np.repeat(a, 3, axis=0)[::3],             # non-contiguous rows
    lambda a: np.hstack([a, a])[:, :24].T.copy().T,     # Fortran through a transpose
    lambda a: a.astype(">f8"),                          # big-endian
    lambda a: a.astype(">f2"),                          # big-endian half
    lambda a: a[::-1][::-1],                            # negative strides twice
])
def test_layouts_equal_a_contiguous_copy(make):
    Z = make(BASE)
    ref = np.ascontiguousarray(Z, dtype=np.float64)
    assert dsesweep.dse(Z, sigma=4) == dsesweep.dse(ref, sigma=4)
    assert dsesweep.score(Z, quantities="CSE,RankMe") == dsesweep.score(ref, quantities="CSE,RankMe")


def test_negative_strides():
    Z = BASE[::-1]
    ref = np.ascontiguousarray(Z)
    assert dsesweep.dse(Z, sigma=4) == dsesweep.dse(ref, sigma=4)


def test_label_dtypes_and_layouts():
    want = dsesweep.dsmi(BASE, labels=LABELS, sigma=4)
    for y in (LABELS.astype(np.int8), LABELS.astype(np.uint16), LABELS.reshape(-1, 1),
              np.repeat(LABELS, 2)[::2], LABELS.astype(">i4")):
        assert dsesweep.dsmi(BASE, labels=y, sigma=4) == want


def test_torch_style_view():
    """What tensor.detach().cpu().numpy() gives: a view (here of a float32 buffer)."""
    buf = np.ascontiguousarray(BASE, dtype=np.float32)
    view = np.frombuffer(buf.data, dtype=np.float32).reshape(buf.shape)
    assert dsesweep.dse(view, sigma=4) == dsesweep.dse(buf.astype(np.float64), sigma=4)


def error_of(call):
    with pytest.raises(dsesweep.Error) as e:
        call()
    return str(e.value)


def test_nan():
    Z = BASE.copy()
    Z[2, 1] = np.nan
    assert error_of(lambda: dsesweep.dse(Z)) == "Z: NaN at row 2, column 1"
    Z[2, 1] = np.inf
    assert error_of(lambda: dsesweep.dse(Z)) == "Z: Inf at row 2, column 1"


def test_one_dimensional():
    assert error_of(lambda: dsesweep.dse(BASE[:, 0])) == (
        "Z: a 1-D array of shape (240,); embeddings must be 2-D, N samples x D features "
        "(reshape(-1, 1) for one feature)")


def test_label_count_mismatch():
    assert error_of(lambda: dsesweep.dsmi(BASE, labels=LABELS[:-3])) == (
        "labels: 237 labels but Z has 240 rows")


def test_fewer_than_two_samples():
    assert error_of(lambda: dsesweep.dse(BASE[:1])) == "Z: 1 sample; at least 2 are needed"


def test_other_errors():
    for bad in ("-1", "median?", "knn:0"):
        assert error_of(lambda: dsesweep.dse(BASE, sigma=bad)) == (
            "sigma must be a number > 0, sqrt_d, median, median*C or knn:K, or a comma list of "
            "them (got '%s')" % bad)
    assert error_of(lambda: dsesweep.dse(BASE, no_such_key=1)) == (
        "unknown key 'no_such_key' in [quantities]")
    assert error_of(lambda: dsesweep.score(BASE, quantities="DSE,Nope")).startswith(
        "compute: unknown quantity 'Nope' (known: all, DSE,")
    assert error_of(lambda: dsesweep.dsmi(BASE)) == (
        "mutual information needs labels or a reference")
    assert error_of(lambda: dsesweep.dse(BASE.astype(np.complex128))) == (
        "Z: dtype '<c16' is not supported (float16, float32, float64, integers or bool)")
    assert error_of(lambda: dsesweep.dse(BASE.astype(np.int64))) == (
        "Z: integer dtype '<i8'; embeddings must be floating point (float16/32/64)")
    assert error_of(lambda: dsesweep.dse(BASE, t=0)) == (
        "t takes integers in [1, 1e+06] (got '0')")


def test_large_integer_labels_stay_distinct():
    # int64 labels above 2^53 differ only beyond a double's precision: the
    # classes must still be the two they are (read as integers, never floats).
    big = np.int64(2**60)
    two = np.where(LABELS % 2 == 0, big, big + 1).astype(np.int64)
    small = (LABELS % 2).astype(np.int64)
    assert dsesweep.dsmi(BASE, labels=two, sigma=4) == dsesweep.dsmi(BASE, labels=small, sigma=4)


def test_bounded_method_settings():
    assert error_of(lambda: dsesweep.dse(BASE, method="lanczos")) == (
        "method must be auto, exact or bounded (got 'lanczos')")
    assert error_of(lambda: dsesweep.dse(BASE, tol=0)) == "tol must be a number > 0 (got '0')"
    # 240 rows: too few for the bounded method's blocks, said in one line.
    assert error_of(lambda: dsesweep.dse(BASE, method="bounded")) == (
        "the bounded method needs N >= 512 (N = 240): use method = exact")
