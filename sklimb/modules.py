"""Networks: a default MLP and the bilinear-loss paper's CNNs.

Every network takes flat or image-shaped input and returns logits. The
estimators fill the constructor arguments ``n_features``, ``n_classes`` and
``input_shape`` from the training data when a network class (not an instance)
is given as ``module`` and the user did not set them through ``module__*``.
"""

import numpy as np
from torch import nn

__all__ = ["MLP", "MNISTConvNet", "CIFARConvNet"]


class MLP(nn.Module):
    """Fully connected network with ReLU activations and optional dropout.

    Parameters
    ----------
    n_features : int
        Input size; image-shaped input is flattened.
    n_classes : int
        Number of outputs (logits).
    hidden_layer_sizes : tuple of int, default=(100,)
        Width of each hidden layer, as in
        :class:`~sklearn.neural_network.MLPClassifier`.
    dropout : float, default=0.0
        Dropout probability after each hidden layer.

    Examples
    --------
    >>> import torch
    >>> from sklimb.modules import MLP
    >>> MLP(4, 3, hidden_layer_sizes=(8,))(torch.zeros(2, 4)).shape
    torch.Size([2, 3])
    """

    def __init__(self, n_features, n_classes, hidden_layer_sizes=(100,), dropout=0.0):
        super().__init__()
        layers, width = [nn.Flatten()], int(n_features)
        for size in hidden_layer_sizes:
            layers += [nn.Linear(width, int(size)), nn.ReLU()]
            if dropout:
                layers.append(nn.Dropout(dropout))
            width = int(size)
        layers.append(nn.Linear(width, int(n_classes)))
        self.net = nn.Sequential(*layers)

    def forward(self, X):
        return self.net(X)


def _check_image_shape(input_shape, name):
    if input_shape is None or len(input_shape) != 3:
        raise ValueError(
            f"{name} needs input_shape=(channels, height, width), got {input_shape!r}."
        )
    return tuple(int(d) for d in input_shape)


class MNISTConvNet(nn.Module):
    """The bilinear-loss paper's MNIST network.

    Two 3×3 convolutions (32 and 64 channels, padding 1), each followed by
    ReLU, 2×2 max-pooling and dropout, then one fully connected layer.

    Parameters
    ----------
    n_classes : int, default=10
        Number of classes (outputs); filled from the data by the estimators.
    input_shape : tuple of int, default=(1, 28, 28)
        ``(channels, height, width)``; flat input is reshaped to it.
    dropout : float, default=0.25
        Dropout probability after each pooling layer.

    Examples
    --------
    >>> import torch
    >>> from sklimb.modules import MNISTConvNet
    >>> MNISTConvNet(10, input_shape=(1, 8, 8))(torch.zeros(2, 64)).shape
    torch.Size([2, 10])
    """

    def __init__(self, n_classes=10, input_shape=(1, 28, 28), dropout=0.25):
        super().__init__()
        self.input_shape = _check_image_shape(input_shape, "MNISTConvNet")
        c, h, w = self.input_shape
        self.features = nn.Sequential(
            nn.Conv2d(c, 32, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Dropout(dropout),
            nn.Conv2d(32, 64, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Dropout(dropout),
            nn.Flatten(),
        )
        self.classifier = nn.Linear(64 * (h // 4) * (w // 4), int(n_classes))

    def forward(self, X):
        return self.classifier(self.features(X.reshape(-1, *self.input_shape)))


class CIFARConvNet(nn.Module):
    """The bilinear-loss paper's CIFAR-10 network.

    Three blocks of two 3×3 convolutions (32, 64, 128 channels) with ReLU,
    2×2 max-pooling and dropout, then two fully connected layers.

    Parameters
    ----------
    n_classes : int, default=10
        Number of classes (outputs); filled from the data by the estimators.
    input_shape : tuple of int, default=(3, 32, 32)
        ``(channels, height, width)``; flat input is reshaped to it.
    dropout : float, default=0.25
        Dropout probability after each block and the hidden layer.
    hidden_size : int, default=512
        Units of the hidden fully connected layer.

    Examples
    --------
    >>> import torch
    >>> from sklimb.modules import CIFARConvNet
    >>> CIFARConvNet(10, input_shape=(3, 8, 8))(torch.zeros(2, 192)).shape
    torch.Size([2, 10])
    """

    def __init__(
        self, n_classes=10, input_shape=(3, 32, 32), dropout=0.25, hidden_size=512
    ):
        super().__init__()
        self.input_shape = _check_image_shape(input_shape, "CIFARConvNet")
        c, h, w = self.input_shape
        blocks, in_c = [], c
        for out_c in (32, 64, 128):
            blocks += [
                nn.Conv2d(in_c, out_c, 3, padding=1),
                nn.ReLU(),
                nn.Conv2d(out_c, out_c, 3, padding=1),
                nn.ReLU(),
                nn.MaxPool2d(2),
                nn.Dropout(dropout),
            ]
            in_c = out_c
        self.features = nn.Sequential(*blocks, nn.Flatten())
        flat = 128 * int(np.prod([h // 8, w // 8]))
        if flat == 0:
            raise ValueError(f"CIFARConvNet needs images of at least 8×8, got {h}×{w}.")
        self.classifier = nn.Sequential(
            nn.Linear(flat, hidden_size),
            nn.ReLU(),
            nn.Dropout(2 * dropout),
            nn.Linear(hidden_size, int(n_classes)),
        )

    def forward(self, X):
        return self.classifier(self.features(X.reshape(-1, *self.input_shape)))
