"""Pulumi components of this project. Type tokens are ``fate:index:<Component>``."""

from components.exchange import Exchange
from components.fate_eggroll_cluster import FateEggrollCluster

__all__ = ["Exchange", "FateEggrollCluster"]
