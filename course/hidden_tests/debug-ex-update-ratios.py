# Hidden test of debug-ex-update-ratios (book/debugging.ipynb): my_update_ratios(before, after).
# Runs after course/grading.py, whose helpers it uses.

POINTS = 2
NNLIB_ANSWERS = ["nnlib.book.diagnostics.update_ratios"]


def reference_update_ratios(before, after):
    """||W_after - W_before|| / ||W_before|| per weight matrix, the norms summed square by square."""
    ratios = {}
    for name in before:
        if not name.startswith("W"):
            continue
        change = sum(float(d) ** 2 for d in (np.asarray(after[name], dtype=np.float64)
                                               - np.asarray(before[name], dtype=np.float64)).ravel())
        size = sum(float(w) ** 2 for w in np.asarray(before[name], dtype=np.float64).ravel())
        ratios[name] = (change / size) ** 0.5
    return ratios


def run_hidden_test(fn):
    rng = np.random.default_rng(1616)
    for sizes, step in (((5, 7, 2), 1e-4), ((1, 3, 3, 3, 4), 0.3)):
        before, after = {}, {}
        for l, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
            before[f"W{l}"] = rng.normal(0.0, 1.0, size=(n_in, n_out))
            before[f"b{l}"] = np.zeros(n_out)
            after[f"W{l}"] = before[f"W{l}"] + rng.normal(0.0, step * l, size=(n_in, n_out))
            after[f"b{l}"] = rng.normal(0.0, step, size=n_out)
        when = f"for a {'-'.join(map(str, sizes))} network"
        expected = reference_update_ratios(before, after)
        got = call_learner(fn, {k: v.copy() for k, v in before.items()}, {k: v.copy() for k, v in after.items()})
        if not isinstance(got, dict):
            raise AssertionError(f"{when}: expected a dict {{'W1': ratio, ...}}, got {type(got).__name__}")
        if sorted(got) != sorted(expected):
            raise AssertionError(f"{when}: expected the keys {sorted(expected)} (the weight matrices), "
                                 f"got {sorted(map(str, got))}")
        for name in expected:
            expect_close(f"the ratio for {name}", got[name], expected[name], when)
