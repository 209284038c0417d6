"""nnlib: the small NumPy neural-network library of *Neural Networks from Scratch*.

Three parts, each in its own place:

* ``nnlib.model``: what a network is and how it learns, written as the
  book's formulas in the book's notation (activations, losses, layers,
  initialization, the MLP, optimizers, training, gradient checks, early
  stopping, metrics). Each function names the chapter that derives it.
* ``nnlib.fast``: the same training step, tuned for speed, beside the model
  and tested equal to it; ``train`` uses it where it applies.
* ``nnlib.book``: the book's tools, which are not part of a network: figures,
  the interactive panels, the exercises' self-checks, layer probes, the XOR
  chapter's formulas one scalar at a time, and 2-D loss surfaces.

Besides them, ``nnlib.data`` holds the data sets and the MNIST loader, and
``nnlib.validate`` the argument checks that give every public function its
clear errors.

The names a reader uses most are importable from the top::

    from nnlib import MLP, train, load_mnist
"""

from .data import load_mnist
from .model.network import MLP
from .model.optimizers import SGD, Adagrad, Adam, Momentum, RMSprop
from .model.train import History, TrainingDiverged, train

__all__ = [
    "MLP",
    "train",
    "History",
    "TrainingDiverged",
    "SGD",
    "Momentum",
    "Adagrad",
    "RMSprop",
    "Adam",
    "load_mnist",
]
__version__ = "0.1.0"
