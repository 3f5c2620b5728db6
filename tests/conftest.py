import os

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits


def pytest_configure(config):
    # The tests train tiny models: thread start-up costs more than the work, and
    # with pytest-xdist every worker's threads would compete for the same cores.
    torch.set_num_threads(1)


def pytest_addoption(parser):
    parser.addoption(
        "--device",
        default=os.environ.get("SKLIMB_TEST_DEVICE", "cpu"),
        help="torch device for the device-parametrised tests (cpu or cuda)",
    )


@pytest.fixture(autouse=True)
def _seed():
    np.random.seed(0)  # noqa: NPY002 (code under test may use the global RNG)
    torch.manual_seed(0)


@pytest.fixture
def device(request):
    dev = request.config.getoption("--device")
    if dev.startswith("cuda") and not torch.cuda.is_available():
        pytest.skip("CUDA is not available")
    return dev


@pytest.fixture(scope="session")
def digits():
    X, y = load_digits(return_X_y=True)
    return (X / 16.0).astype(np.float32), y


@pytest.fixture(scope="session")
def digits_str(digits):
    X, y = digits
    names = np.array(
        ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    )
    return X, names[y]
