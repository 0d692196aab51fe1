"""``segateway run``: the gateway as a program (configuration, simulated home, HTTP server)."""

from .config import (
    DATA_DIR_ENV,
    DEFAULT_HTTP,
    GATEWAY_FILE,
    ConfigError,
    RunConfig,
    default_data_dir,
    parse_http,
    read_gateway_file,
)
from .home import SimulatedHome
from .loop import event_loop_factory
from .server import RunOptions, serve

__all__ = [
    "DATA_DIR_ENV",
    "DEFAULT_HTTP",
    "GATEWAY_FILE",
    "ConfigError",
    "RunConfig",
    "RunOptions",
    "SimulatedHome",
    "default_data_dir",
    "event_loop_factory",
    "parse_http",
    "read_gateway_file",
    "serve",
]
