"""The model half of ``python -m flern demo``: the TensorFlow fuel-efficiency tutorial's network.

Auto MPG features (cylinders, displacement, horsepower, weight, acceleration, model year, one-hot
origin) normalized with the training rows' mean and standard deviation; a Dense 64-64-1 ReLU
network; Adam(1e-3); mean absolute error; batch 32; ``EPOCHS`` epochs; the last 20% of the
training rows for validation (Keras' ``validation_split=0.2``).

flern runs the preparation lazily and the whole training loop staged in the native core
(:func:`flern.fit`). When pandas and PyTorch are installed the same preparation runs in pandas
and the same network trains in a PyTorch eager loop, starting from flern's initial weights and
visiting the batches in the order ``fit`` does, so the two test MAEs should agree closely.
"""

from __future__ import annotations

import os
import time
from typing import Any, Callable

import numpy as np

CARS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "cars.json")
FEATURES = ["Cylinders", "Displacement", "Horsepower", "Weight_in_lbs", "Acceleration", "Model_Year",
            "Europe", "Japan", "USA"]
EPOCHS = 100
BATCH = 32
SEED = 0


def prepare(pd: Any) -> tuple[Any, Any, Any, Any]:
    """The tutorial's data preparation, for ``pd`` = flern.pandas or pandas (the same code)."""
    cars = pd.read_json(CARS)
    cars = cars[["Miles_per_Gallon", "Cylinders", "Displacement", "Horsepower", "Weight_in_lbs",
                 "Acceleration", "Year", "Origin"]]
    cars["Model_Year"] = cars["Year"].str.slice(0, 4).astype("int64") - 1900
    cars = cars.drop(columns=["Year"]).dropna()
    cars = pd.get_dummies(cars, columns=["Origin"], prefix="", prefix_sep="", dtype=float)
    train = cars.sample(frac=0.8, random_state=0)
    test = cars.drop(train.index)
    x_train, x_test = train[FEATURES], test[FEATURES]
    mean, std = x_train.mean(), x_train.std(ddof=0)
    return (x_train - mean) / std, train["Miles_per_Gallon"], (x_test - mean) / std, test["Miles_per_Gallon"]


def _arrays(parts: tuple[Any, Any, Any, Any]) -> list[np.ndarray]:
    xtr, ytr, xte, yte = parts
    return [np.ascontiguousarray(xtr.to_numpy(), dtype=np.float32),
            np.ascontiguousarray(ytr.to_numpy(), dtype=np.float32).reshape(-1, 1),
            np.ascontiguousarray(xte.to_numpy(), dtype=np.float32),
            np.ascontiguousarray(yte.to_numpy(), dtype=np.float32).reshape(-1, 1)]


def _network(nn: Any, n_in: int) -> Any:
    return nn.Sequential(nn.Linear(n_in, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 1))


def run_flern(epochs: int) -> dict[str, Any]:
    """Preparation in flern.pandas, training with flern.fit; test MAE and the initial weights."""
    import flern
    import flern.pandas as fpd
    import flern.torch as ftorch
    xtr, ytr, xte, yte = _arrays(prepare(fpd))
    ftorch.manual_seed(SEED)
    model = _network(ftorch.nn, xtr.shape[1])
    init = {k: np.array(v.numpy(), copy=True) for k, v in model.state_dict().items()}
    opt = ftorch.optim.Adam(model.parameters(), lr=1e-3)
    hist = flern.fit(model, ftorch.nn.L1Loss(), opt, xtr, ytr, epochs=epochs, batch_size=BATCH, shuffle=True,
                     seed=SEED, validation_split=0.2)
    with ftorch.no_grad():
        mae = float((model(ftorch.tensor(xte)) - ftorch.tensor(yte)).abs().mean().item())
    return {"mae": mae, "init": init, "val_loss": list(hist.val_loss)}


def run_torch(epochs: int, init: dict[str, np.ndarray]) -> dict[str, Any]:
    """Preparation in pandas, the same network in a PyTorch eager loop, fit's batch order."""
    import pandas as pd
    import torch
    xtr, ytr, xte, yte = (torch.from_numpy(a) for a in _arrays(prepare(pd)))
    model = _network(torch.nn, xtr.shape[1])
    model.load_state_dict({k: torch.from_numpy(v) for k, v in init.items()})
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.L1Loss()
    n_fit = xtr.shape[0] - int(xtr.shape[0] * 0.2)
    x_fit, y_fit, x_val, y_val = xtr[:n_fit], ytr[:n_fit], xtr[n_fit:], ytr[n_fit:]
    rng = np.random.default_rng(SEED)
    val_loss = []
    for _ in range(epochs):
        model.train()
        perm = torch.from_numpy(rng.permutation(n_fit))
        for i in range(0, n_fit, BATCH):
            idx = perm[i:i + BATCH]
            opt.zero_grad()
            loss_fn(model(x_fit[idx]), y_fit[idx]).backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            val_loss.append(float(loss_fn(model(x_val), y_val)))
    with torch.no_grad():
        mae = float((model(xte) - yte).abs().mean())
    return {"mae": mae, "val_loss": val_loss}


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def run(say: Callable[..., None], epochs: int = EPOCHS) -> int:
    """Train with flern (and PyTorch when installed) and print MAEs and times."""
    say(f"== The fuel-efficiency network: Dense 64-64-1, Adam, MAE loss, batch {BATCH}, {epochs} epochs ==")
    t_first, first = _timed(lambda: run_flern(epochs))
    t_flern, got = _timed(lambda: run_flern(epochs))
    say(f"flern (preparation + flern.fit, the loop staged in the native core): test MAE {got['mae']:.3f} mpg")
    say(f"  {t_flern:.3f} s (first run, compiling its plans included: {t_first:.3f} s)")
    try:
        import pandas  # noqa: F401
        import torch  # noqa: F401
    except ImportError as e:
        say(f"pandas + PyTorch not installed ({e.name}): skipping the comparison")
        return 0
    run_torch(1, got["init"])  # warm-up: imports, first-call costs
    t_torch, ref = _timed(lambda: run_torch(epochs, got["init"]))
    say(f"pandas + PyTorch eager (same initial weights, same batch order): test MAE {ref['mae']:.3f} mpg")
    say(f"  {t_torch:.3f} s")
    say(f"  ratio (pandas + PyTorch) / flern: {t_torch / t_flern:.2f}x; "
        f"test MAE difference {abs(ref['mae'] - got['mae']):.3f} mpg")
    return 0
