# Hidden test of vec-ex-dense-backward (book/03_vectorizing.ipynb): my_dense_backward(dz, x, W).
# Runs after course/grading.py, whose helpers it uses.

POINTS = 3
NNLIB_ANSWERS = ["nnlib.model.layers.dense_backward"]


def reference_dense_backward(dz, x, W):
    """The three gradients of z = x W + b, summed index by index with einsum."""
    dx = np.einsum("nj,ij->ni", dz, W)   # dL/dx_ni = sum_j dz_nj W_ij
    dW = np.einsum("ni,nj->ij", x, dz)   # dL/dW_ij = sum_n x_ni dz_nj
    db = np.einsum("nj->j", dz)          # dL/db_j  = sum_n dz_nj
    return dx, dW, db


def run_hidden_test(fn):
    rng = np.random.default_rng(1503)
    # every size different, so that a transposed product cannot pass by accident
    for n, n_in, n_out in ((5, 3, 4), (1, 6, 2), (7, 2, 9)):
        dz, x, W = rng.normal(size=(n, n_out)), rng.normal(size=(n, n_in)), rng.normal(size=(n_in, n_out))
        when = f"for N = {n}, n_in = {n_in}, n_out = {n_out}"
        result = call_learner(fn, dz.copy(), x.copy(), W.copy())
        if not isinstance(result, tuple) or len(result) != 3:
            raise AssertionError(f"{when}: expected the tuple (dx, dW, db), got {type(result).__name__}")
        for name, got, expected in zip(("dx", "dW", "db"), result, reference_dense_backward(dz, x, W)):
            expect_close(name, got, expected, when)
