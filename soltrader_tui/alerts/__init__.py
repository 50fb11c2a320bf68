"""Provides alert delivery: cooldown folding (`fold`), targets and their secrets (`targets`) and
the background sender (`sender`); the engine decides what is an alert (`engine.alert_rules`)."""
