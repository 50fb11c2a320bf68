"""Whole-process tests of each command family, one file per family (the package's commands/)."""
