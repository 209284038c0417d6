# Hidden test of opt-ex-adam-step (book/05_optimizers.ipynb):
# my_adam_step(p, g, m, s, t, lr, beta1, beta2, eps) -> (p, m, s).
# Runs after course/grading.py, whose helpers it uses.

import math

POINTS = 3
NNLIB_ANSWERS = ["nnlib.model.optimizers.Adam"]


def reference_adam_step(p, g, m, s, t, lr, beta1, beta2, eps):
    """One Adam step, parameter by parameter with the math module."""
    p, m, s = p.copy(), m.copy(), s.copy()
    for i in np.ndindex(p.shape):
        m[i] = beta1 * m[i] + (1 - beta1) * g[i]
        s[i] = beta2 * s[i] + (1 - beta2) * g[i] * g[i]
        m_hat = m[i] / (1 - beta1 ** t)
        s_hat = s[i] / (1 - beta2 ** t)
        p[i] = p[i] - lr * m_hat / (math.sqrt(s_hat) + eps)
    return p, m, s


def run_hidden_test(fn):
    rng = np.random.default_rng(1505)
    p = rng.normal(size=(3, 2))
    m, s = np.zeros_like(p), np.zeros_like(p)
    ref_p, ref_m, ref_s = p.copy(), m.copy(), s.copy()
    settings = dict(lr=0.05, beta1=0.8, beta2=0.99, eps=1e-6)
    # five chained steps from zero moments: the bias correction matters most early
    for t in range(1, 6):
        g = rng.normal(size=p.shape)
        when = f"at step t = {t} (lr = 0.05, beta1 = 0.8, beta2 = 0.99, eps = 1e-6)"
        result = call_learner(fn, p.copy(), g.copy(), m.copy(), s.copy(), t, **settings)
        if not isinstance(result, tuple) or len(result) != 3:
            raise AssertionError(f"{when}: expected the tuple (p, m, s), got {type(result).__name__}")
        ref_p, ref_m, ref_s = reference_adam_step(ref_p, g, ref_m, ref_s, t, **settings)
        expect_close("m", result[1], ref_m, when)
        expect_close("s", result[2], ref_s, when)
        expect_close("p", result[0], ref_p, when)
        p, m, s = (np.asarray(v, dtype=np.float64) for v in result)
