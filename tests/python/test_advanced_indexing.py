"""Advanced indexing against torch: several integer index tensors (broadcast together, adjacent or
not), boolean masks over some dims, mixed with slices, None and Ellipsis, for reading, writing
(x[i, j] = v with broadcasting), index_put_ with accumulate, and the gradients through both."""
import numpy as np
import pytest

import ember

RNG = np.random.default_rng(0)
DATA = RNG.standard_normal((4, 5, 6))


def keys(lib):
    t = lib.tensor
    mask2 = t(DATA[:, :, 0] > 0)
    return [
        (t([0, 2, 3]), t([1, 1, 4])),
        (t([[0], [3]]), t([1, 4])),                   # broadcast to [2, 2]
        (t([0, 3]), slice(None), t([5, 0])),          # not adjacent: result dims go first
        (slice(1, 3), t([0, 4]), t([2, 3])),          # adjacent after a slice
        (Ellipsis, t([-1, 0])),                       # negative positions
        (t([1, 2]), None, t([0, 1])),
        (mask2,),                                     # a mask over two dims
        (slice(None), t(DATA[0, :, :] > 0.5)),         # a mask over the last two
        (t([True, False, True, True]), t([0, 1, 2])),  # a mask and an index together
        (t(2), t([0, 3])),                            # a 0-D index
    ]


@pytest.mark.parametrize("case", range(10))
def test_reading_and_its_gradient_follow_torch(case, torch):
    xe = ember.tensor(DATA, requires_grad=True)
    xt = torch.tensor(DATA, requires_grad=True)
    ye, yt = xe[keys(ember)[case]], xt[keys(torch)[case]]
    assert tuple(ye.shape) == tuple(yt.shape)
    np.testing.assert_array_equal(ye.detach().numpy(), yt.detach().numpy())
    w = RNG.standard_normal(tuple(yt.shape))
    (ye * ember.tensor(w)).sum().backward()
    (yt * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("case", range(10))
def test_writing_follows_torch(case, torch):
    xe, xt = ember.tensor(DATA), torch.tensor(DATA)
    shape = tuple(xt[keys(torch)[case]].shape)
    values = RNG.standard_normal(shape[-1:] if shape else ())  # broadcast along the rest
    xe[keys(ember)[case]] = ember.tensor(values)
    xt[keys(torch)[case]] = torch.tensor(values)
    np.testing.assert_array_equal(xe.numpy(), xt.numpy())
    xe[keys(ember)[case]] = 7.5
    xt[keys(torch)[case]] = 7.5
    np.testing.assert_array_equal(xe.numpy(), xt.numpy())


def test_index_put_accumulates_repeated_positions_and_flows_gradients(torch):
    results = []
    for lib in (ember, torch):
        base = lib.zeros(3, 4, dtype=lib.float64)
        v = lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64, requires_grad=True)
        x = base.clone()
        out = x.index_put_((lib.tensor([0, 0, 2]), lib.tensor([1, 1, 3])), v * 2, accumulate=True)
        assert out is x
        copy = lib.index_put(base, (lib.tensor([1]),), lib.tensor([5.0], dtype=lib.float64))
        (x * x).sum().backward()
        results.append((x.detach().numpy(), v.grad.numpy(), copy.numpy(), base.numpy()))
    for e, t in zip(*results):
        np.testing.assert_allclose(e, t)


def test_writes_through_a_tensor_index_record_history(torch):
    for lib in (ember, torch):
        w = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        x = lib.zeros(5)
        x[lib.tensor([4, 0, 2])] = w * 3
        x.sum().backward()
        assert w.grad.tolist() == [3.0, 3.0, 3.0]


def test_indexing_errors_follow_torch(raises_like_torch):
    calls = [  # (call, None: torch's message within ember's, or the pattern ember's matches)
        (lambda L: L.zeros(3, 4)[L.tensor([0.5])],  # ember takes int32 indices, not uint8 masks
         r"^index: tensors used as indices must be long, int or bool tensors \(got Float\)$"),
        (lambda L: L.zeros(3, 4)[L.tensor([3])], None),
        (lambda L: L.zeros(3, 4)[L.tensor([0, 1]), L.tensor([0, 1, 2])], None),
        (lambda L: L.zeros(3, 4)[L.tensor([True, False])],
         r"^index: the shape of the mask \[2\] at index 0 does not match the shape of the indexed "
         r"tensor \[3, 4\] at index 0$")]
    for call, pattern in calls:
        raises_like_torch(call, pattern)
    def put(L):
        x = L.zeros(3, 4)
        x[x >= 0] = L.ones(5)

    raises_like_torch(put)  # "shape mismatch: value tensor of shape [5] cannot be broadcast ..."
