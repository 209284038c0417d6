"""nnlib: the small NumPy neural-network library of *Neural Networks from Scratch*.

One module per concept:

* ``activations``: sigmoid, tanh, relu, leaky_relu, identity, softmax and derivatives
* ``losses``: mse, binary and softmax cross-entropy, each with its gradient
* ``layers``: forward/backward pairs with a cache (dense, activation, dropout)
* ``init``: zeros, small random, Xavier/Glorot, He
* ``network``: the MLP
* ``optimizers``: SGD, momentum, Adagrad, RMSprop, Adam, learning-rate schedules
* ``gradcheck``: finite-difference gradient checks
* ``train``: minibatch training with a history and a progress bar
* ``data``: XOR, small 2-D data sets, and the MNIST loader
* ``metrics``: confusion matrix and per-class precision, recall, F1
* ``plots``: decision boundaries, learning curves, digit grids, weight images, diagrams
* ``explore``: the interactive panel used in every chapter
* ``checks``: self-checks for the exercises where the learner writes code
* ``xor_by_hand``: the XOR chapter's nine hand-derived derivatives, as code
* ``surfaces``: 2-D loss surfaces (bowl, Rosenbrock) and optimizer paths on them
* ``probe``: per-layer activations and gradients, for the initialization chapter
* ``early_stopping``: stop when the validation loss stops improving
"""

from .network import MLP
from .train import History, TrainingDiverged, train

__all__ = ["MLP", "History", "TrainingDiverged", "train"]
__version__ = "0.1.0"
