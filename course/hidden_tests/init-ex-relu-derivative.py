# Hidden test of init-ex-relu-derivative (book/06_initialization.ipynb): my_relu_derivative(z).
# Runs after course/grading.py, whose helpers it uses.

POINTS = 2
NNLIB_ANSWERS = ["nnlib.model.activations.relu_derivative"]


def reference_relu_derivative(z):
    """1 where z > 0 and 0 elsewhere, element by element in plain Python."""
    flat = [1.0 if value > 0 else 0.0 for value in np.asarray(z, dtype=np.float64).ravel()]
    return np.array(flat).reshape(np.shape(z))


def run_hidden_test(fn):
    rng = np.random.default_rng(1506)
    cases = [
        (rng.normal(0.0, 1.0, size=(2, 3, 5)), "for z of shape (2, 3, 5)"),
        (np.array([-1e-12, 1e-12, -3.0, 250.0]), "for z just below and above 0"),
    ]
    for z, when in cases:
        expect_close("relu'(z)", call_learner(fn, z.copy()), reference_relu_derivative(z), when)
