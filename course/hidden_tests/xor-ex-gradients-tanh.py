# Hidden test of xor-ex-gradients-tanh (book/02_xor.ipynb): my_xor_gradients_tanh(p, x1, x2, y),
# the nine derivatives of L = (y - o)^2 for the 2-2-1 network with tanh hidden units.
# Runs after course/grading.py, whose helpers it uses (check_xor_dict: the
# nine derivatives against central finite differences of the loss).

import math

POINTS = 3
NNLIB_ANSWERS = ["nnlib.book.xor_by_hand.gradients", "nnlib.book.xor_by_hand.mean_gradients",
                 "nnlib.book.checks._xor_reference"] + [
    f"nnlib.book.xor_by_hand.dL_d{name}" for name in ("w1", "w2", "w3", "w4", "w5", "w6", "b1", "b2", "b3")]


def run_hidden_test(fn):
    check_xor_dict(fn, math.tanh, seed=1512)
