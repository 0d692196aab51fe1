"""What ``segateway run`` reads and writes: the configuration file, the data directory, and the
``gateway.json`` that tells clients (``segateway rpc``, ``events``) where the gateway listens.

The configuration is a small TOML file; every key is optional::

    role = "esi_coordinator"        # or esi_router, ipd_router
    endpoint_id = 0x5E
    time_zone = "Europe/Paris"      # IANA name, published by the Time server
    ieee = "00:12:4B:00:5E:67:00:01"  # the gateway's IEEE address (default: made once, kept)
    channel = 15
    pan_id = 0x5E67
    simulated_devices = true        # a meter, an IPD and a thermostat join at start
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import tomllib
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from ..se.app import Role

__all__ = [
    "DATA_DIR_ENV",
    "DEFAULT_HTTP",
    "GATEWAY_FILE",
    "STORE_FILE",
    "ConfigError",
    "RunConfig",
    "default_data_dir",
    "parse_http",
    "read_gateway_file",
    "resolve_role",
    "write_gateway_file",
]

DATA_DIR_ENV: Final = "SEGATEWAY_DATA_DIR"
DEFAULT_HTTP: Final = "127.0.0.1:8765"
GATEWAY_FILE: Final = "gateway.json"
STORE_FILE: Final = "segateway.sqlite"


class ConfigError(ValueError):
    """A configuration file or option that cannot be used."""


def default_data_dir() -> Path:
    """``$SEGATEWAY_DATA_DIR``, else ``$XDG_DATA_HOME/segateway``, else
    ``~/.local/share/segateway``: one place, whatever the working directory, so that ``segateway
    rpc`` finds the gateway that ``segateway run`` started."""
    given = os.environ.get(DATA_DIR_ENV)
    if given:
        return Path(given)
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg) if xdg else Path.home() / ".local" / "share"
    return base / "segateway"


def parse_http(text: str, option: str = "--http") -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:PORT`` for IPv6); port 0 picks a free one."""
    host, sep, port = text.rpartition(":")
    if not sep or not host:
        raise ConfigError(f"{option} wants HOST:PORT, not {text!r}")
    try:
        number = int(port)
    except ValueError:
        raise ConfigError(f"{option}: {port!r} is not a port number") from None
    if not 0 <= number <= 65535:
        raise ConfigError(f"{option}: port {number} out of range")
    return host.strip("[]"), number


def _int(value: Any, name: str) -> int:
    if isinstance(value, bool):
        raise ConfigError(f"{name}: an integer, not {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value.replace(":", ""), 16) if ":" in value else int(value, 0)
        except ValueError:
            pass
    raise ConfigError(f"{name}: an integer, not {value!r}")


def host_time_zone() -> str | None:
    """The host's IANA time zone name (``TZ``, ``/etc/timezone``, or where ``/etc/localtime``
    points into a zoneinfo tree); None when it cannot be told (the Time server then publishes
    UTC). Read once, here at the edge: the SE layer only ever gets the name."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    with contextlib.suppress(OSError):
        candidates.append(Path("/etc/timezone").read_text(encoding="utf-8").strip())
    try:
        target = str(Path("/etc/localtime").resolve())
    except OSError:
        target = ""
    if "zoneinfo/" in target:
        candidates.append(target.split("zoneinfo/", 1)[1])
    for name in candidates:
        if not name or name.startswith("/"):
            continue
        try:
            zoneinfo.ZoneInfo(name)
        except (ValueError, zoneinfo.ZoneInfoNotFoundError):
            continue
        return name
    return None


@dataclass(frozen=True)
class RunConfig:
    """The gateway ``segateway run`` starts (module doc)."""

    role: Role = Role.esi_coordinator
    endpoint_id: int = 0x5E
    time_zone: str | None = field(default_factory=host_time_zone)  # default: the host's zone
    ieee: int | None = None
    channel: int = 15
    pan_id: int = 0x5E67
    simulated_devices: bool = True
    role_given: bool = False  # ``role`` was configured (else the data directory's role is used)

    @classmethod
    def load(cls, path: Path | None) -> RunConfig:
        if path is None:
            return cls()
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(f"{path}: {exc.strerror}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: {exc}") from None
        return cls.from_mapping(data, str(path))

    @classmethod
    def from_mapping(cls, data: dict[str, Any], where: str = "config") -> RunConfig:
        """The settings of a config file; ``role_given`` tells whether it set the role."""
        known = {
            "role",
            "endpoint_id",
            "time_zone",
            "ieee",
            "channel",
            "pan_id",
            "simulated_devices",
        }
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"{where}: unknown setting(s) {', '.join(unknown)}")
        kw: dict[str, Any] = {}
        if "role" in data:
            try:
                kw["role"] = Role(str(data["role"]))
                kw["role_given"] = True
            except ValueError:
                names = ", ".join(r.value for r in Role)
                raise ConfigError(f"{where}: role is one of {names}") from None
        for name, low, high in (
            ("endpoint_id", 1, 240),
            ("channel", 11, 26),
            ("pan_id", 0, 0xFFFE),
            ("ieee", 1, (1 << 64) - 2),
        ):
            if name in data:
                value = _int(data[name], f"{where}: {name}")
                if not low <= value <= high:
                    raise ConfigError(f"{where}: {name} out of range ({low}–{high})")
                kw[name] = value
        if "time_zone" in data:
            kw["time_zone"] = str(data["time_zone"])
        if "simulated_devices" in data:
            if not isinstance(data["simulated_devices"], bool):
                raise ConfigError(f"{where}: simulated_devices is true or false")
            kw["simulated_devices"] = data["simulated_devices"]
        return cls(**kw)


def resolve_role(config: RunConfig, stored: object, *, new_device: bool = False) -> RunConfig:
    """The configuration ``run`` starts: the role the data directory was written by (``stored``,
    e.g. after ``segateway convert``) unless the config file names one; a config file naming
    another role than the data's is refused, as is ``--new-device`` outside the ESI Coordinator."""
    if stored is not None and stored != config.role.value:
        if config.role_given:
            raise ConfigError(
                f"the data directory belongs to an {stored} gateway, the config file says "
                f"{config.role.value}: convert the data first (segateway convert "
                f"{config.role.value}) or remove role from the config file"
            )
        try:
            config = dataclasses.replace(config, role=Role(str(stored)))
        except ValueError:
            raise ConfigError(f"the data directory names an unknown role {stored!r}") from None
    if new_device and config.role is not Role.esi_coordinator:
        raise ConfigError(
            "--new-device registers with the gateway as trust center: the esi_coordinator role only"
            f" (this gateway is an {config.role.value})"
        )
    return config


def write_gateway_file(
    data_dir: Path, url: str, device_id: str, *, medium: dict[str, Any] | None = None
) -> Path:
    """Tell clients where the running gateway listens (removed when it stops); ``medium``: where
    its simulated medium is served (``segateway run --medium``) and how to reach its node."""
    path = data_dir / GATEWAY_FILE
    document: dict[str, Any] = {"url": url, "device_id": device_id, "pid": os.getpid()}
    if medium is not None:
        document.update(medium)
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return path


def read_gateway_file(data_dir: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((data_dir / GATEWAY_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
