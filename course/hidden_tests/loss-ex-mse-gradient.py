# Hidden test of loss-ex-mse-gradient (book/04_losses.ipynb): my_mse_gradient(a, y),
# dL/da of L = (1/N) sum_n sum_k (a_nk - y_nk)^2.
# Runs after course/grading.py, whose helpers it uses.

POINTS = 2
NNLIB_ANSWERS = ["nnlib.model.losses.mse"]


def reference_mse_gradient(a, y):
    """dL/da_nk = 2 (a_nk - y_nk) / N, entry by entry."""
    n, k = a.shape
    grad = np.zeros((n, k))
    for i in range(n):
        for j in range(k):
            grad[i, j] = 2.0 * (float(a[i, j]) - float(y[i, j])) / n
    return grad


def run_hidden_test(fn):
    rng = np.random.default_rng(1514)
    # N and K differ, so that dividing by K instead of N, or by N K, cannot pass
    for n, k in ((5, 3), (2, 7), (1, 1)):
        a, y = rng.normal(size=(n, k)), rng.normal(size=(n, k))
        expect_close("dL/da", call_learner(fn, a.copy(), y.copy()), reference_mse_gradient(a, y),
                     f"for a and y of shape ({n}, {k})")
