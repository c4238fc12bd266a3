"""Devices under test: discovery and validation of device strings."""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass
from typing import Callable, ContextManager

import torch

STRUCTURAL = "meta"  # compared with the reference for structure only, never a device under test


class DeviceError(ValueError):
    """A device string that cannot be tested here; the message is one line for the user."""


def _backend(device_type: str):
    """The torch module of an accelerator type (torch.cuda, torch.mps, torch.xpu, a renamed PrivateUse1)."""
    return getattr(torch, device_type, None)


def accelerator_types() -> list[str]:
    """Accelerator device types present and available on this machine."""
    found = []
    if hasattr(torch, "accelerator") and torch.accelerator.is_available():  # torch >= 2.6
        found.append(torch.accelerator.current_accelerator().type)
    for name in ("cuda", "mps", "xpu"):
        backend = _backend(name)
        if name not in found and backend is not None and getattr(backend, "is_available", lambda: False)():
            found.append(name)
    return found


def available_devices() -> list[str]:
    """The default devices under test: cpu, then each available accelerator."""
    return ["cpu", *accelerator_types()]


def validate(spec: str) -> str:
    """Normalise one device string, or raise :class:`DeviceError` saying why it cannot be tested."""
    try:
        device = torch.device(spec)
    except (RuntimeError, ValueError):
        raise DeviceError(f"unknown device {spec!r}; available here: {', '.join(available_devices())}") from None
    if device.type == STRUCTURAL:
        raise DeviceError("'meta' is not a device under test: the suite compares it with the "
                          "reference for structure on every run")
    if device.type == "cpu":
        return "cpu"
    backend = _backend(device.type)
    if device.type not in accelerator_types() or backend is None:
        raise DeviceError(f"device {spec!r} is not available on this machine; "
                          f"available here: {', '.join(available_devices())}")
    count = getattr(backend, "device_count", lambda: 1)()
    if device.index is not None and device.index >= count:
        raise DeviceError(f"device {spec!r} is not available: {device.type} has {count} device(s)")
    return str(device)


def parse(values: list[str] | None) -> list[str]:
    """Devices from repeated and/or comma-separated ``--device`` values; default: all available."""
    names = [part.strip() for value in values or [] for part in value.split(",") if part.strip()]
    devices = [validate(name) for name in names] if names else available_devices()
    return list(dict.fromkeys(devices))


@dataclass(frozen=True)
class Target:
    """A device as the differential checks see it: a name, the torch device its tensors live on, and
    the context its ops run in.  Real devices run in a null context; a self-test target wraps cpu in
    a fault-injecting dispatch mode, so the suite proves it catches a device-only fault."""

    name: str
    device: torch.device
    mode: Callable[[], ContextManager] | None = None

    def context(self) -> ContextManager:
        return self.mode() if self.mode is not None else nullcontext()


def target(spec: str | Target) -> Target:
    """The :class:`Target` of a device string (a ``device`` test parameter), or the target itself."""
    return spec if isinstance(spec, Target) else Target(str(spec), torch.device(spec))
