"""Devices under test: discovery and validation of device strings."""

from __future__ import annotations

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
