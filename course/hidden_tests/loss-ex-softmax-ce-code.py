# Hidden test of loss-ex-softmax-ce-code (book/04_losses.ipynb): my_softmax_cross_entropy(z, y).
# Runs after course/grading.py, whose helpers it uses.

import math

POINTS = 3
NNLIB_ANSWERS = ["nnlib.model.losses.softmax_cross_entropy"]


def reference_softmax_cross_entropy(z, y):
    """The mean loss and dL/dz, one sample at a time with the math module."""
    n, k = z.shape
    loss, grad = 0.0, np.zeros((n, k))
    for i in range(n):
        row = [float(v) for v in z[i]]
        top = max(row)
        log_norm = top + math.log(sum(math.exp(v - top) for v in row))
        loss += (log_norm - row[y[i]]) / n
        for j in range(k):
            grad[i, j] = (math.exp(row[j] - log_norm) - (1.0 if j == y[i] else 0.0)) / n
    return loss, grad


def run_hidden_test(fn):
    rng = np.random.default_rng(1504)
    cases = [
        (rng.normal(0.0, 2.0, size=(6, 4)), "for 6 samples and 4 classes"),
        (rng.normal(0.0, 2.0, size=(3, 3)), "for 3 samples and 3 classes"),
        (rng.normal(0.0, 1.0, size=(4, 5)) + np.array([[900.0], [-900.0], [0.0], [400.0]]),
         "for logits near +-900 (where exp overflows without the max trick)"),
    ]
    for z, when in cases:
        y = rng.integers(0, z.shape[1], size=z.shape[0])
        result = call_learner(fn, z.copy(), y.copy())
        if not isinstance(result, tuple) or len(result) != 2:
            raise AssertionError(f"{when}: expected the tuple (loss, dL/dz), got {type(result).__name__}")
        loss, grad = reference_softmax_cross_entropy(z, y)
        expect_close("the loss", result[0], loss, when)
        expect_close("dL/dz", result[1], grad, when)
