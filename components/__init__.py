"""Pulumi components of this project. Type tokens are ``fate:index:<Component>``."""

from components.fate_eggroll_cluster import FateEggrollCluster

__all__ = ["FateEggrollCluster"]
