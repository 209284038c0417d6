# Hidden test of neuron-ex-sigmoid-derivative (book/01_neuron.ipynb): my_sigmoid_derivative(z).
# Runs after course/grading.py, whose helpers it uses.

POINTS = 2
NNLIB_ANSWERS = ["nnlib.model.activations.sigmoid_derivative"]


def reference_sigmoid_derivative(z):
    """sigma'(z) = 1 / (4 cosh(z/2)^2), an identity of the logistic function.

    Not the form the book derives (sigma (1 - sigma)), so the two check each
    other; cosh overflows to infinity for |z| > 1420, where the answer is 0.
    """
    with np.errstate(over="ignore"):
        return 1.0 / (4.0 * np.cosh(np.asarray(z, dtype=np.float64) / 2.0) ** 2)


def run_hidden_test(fn):
    rng = np.random.default_rng(1501)
    cases = [
        (rng.normal(0.0, 4.0, size=(3, 4, 2)), "for z of shape (3, 4, 2)"),
        (np.linspace(-30.0, 30.0, 13), "for z from -30 to 30"),
        (np.array([-800.0, -40.0, 40.0, 800.0]), "for z far from 0"),
    ]
    for z, when in cases:
        expect_close("sigma'(z)", call_learner(fn, z.copy()), reference_sigmoid_derivative(z), when,
                     rtol=1e-6, atol=1e-12)
